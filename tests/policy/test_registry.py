"""Start-up validation, the registry and ``yuqing plugins``: a broken plugin stops the
platform with a message naming the plugin and the fault; ``plugins check`` exits non-zero."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.policy.conftest import FakeEntryPoint, TinyParams, TinyPolicy
from yuqing.policy import PluginError, all_plugins, get_plugin, registry
from yuqing.policy.cli import plugins
from yuqing.policy.conformance import check_plugin
from yuqing.policy.params import int_param
from yuqing.policy.rules import ApprovalRule
from yuqing.policy.tables import DeadlineTable, hours

BUILTINS = {
    "company",
    "court",
    "discipline-inspection",
    "education-bureau",
    "gov-bureau",
    "health",
    "highway-branch",
    "school",
    "township",
    "urban-management",
}


# --- broken plugins, one fault each ----------------------------------------------------------


class UnknownApprover(TinyPolicy):
    key = "unknown-approver"
    approval_rules = (
        ApprovalRule(("low", "high"), ("holding_reply", "reply"), ("office",), "default"),
        ApprovalRule(("low", "high"), ("press_release",), ("press_officer",), "篇八"),
    )


class GradeMissingFromDeadlines(TinyPolicy):
    key = "grade-missing"
    deadline_tables = (
        DeadlineTable(
            stage="verify",
            anchor="slip_received_at",
            actor_role="unit_handler",
            label_zh="核实",
            label_en="Verify",
            source="default",
            limits={"low": hours(4)},  # "high" forgotten
        ),
    )


class BadDefaultParams(TinyParams):
    verify_hours = int_param(0, label_zh="核实时限", source="default", minimum=1, maximum=48)


class BadDefault(TinyPolicy):
    key = "bad-default"
    ParamsSchema = BadDefaultParams


def test_tiny_plugin_is_valid():
    assert check_plugin(TinyPolicy) == []


def test_unknown_role_in_approval_rule():
    [problem] = check_plugin(UnknownApprover)
    assert "审批规则 #2" in problem and "press_officer" in problem and "篇八" in problem


def test_grade_missing_from_deadline_table():
    [problem] = check_plugin(GradeMissingFromDeadlines)
    assert "verify/slip_received_at" in problem and "'high'" in problem


def test_parameter_default_failing_its_own_schema():
    [problem] = check_plugin(BadDefault)
    assert "verify_hours" in problem and "默认值 0" in problem and "必须在 1 到 48 之间" in problem


def test_other_faults_are_caught():
    class Many(TinyPolicy):
        key = "Bad Key"
        platform_compat = ">=9"
        roles = TinyPolicy.roles[:-1]  # drops unit_handler
        action_roles = {"publish_statement": ("blogger",)}
        grades = tuple(reversed(TinyPolicy.grades))

    problems = "\n".join(check_plugin(Many))
    assert "插件键" in problems
    assert "不包含当前平台版本" in problems
    assert "缺少规范角色：unit_handler" in problems
    assert "blogger" in problems
    assert "从低到高" in problems
    assert check_plugin(object) == ["入口点指向的对象 <class 'object'> 不是 PolicyPlugin 的子类。"]


def test_broken_plugin_stops_start_up_with_a_clear_message(fake_installed):
    fake_installed(
        FakeEntryPoint("tiny", TinyPolicy),
        FakeEntryPoint("unknown-approver", UnknownApprover, "acme_plugins:UnknownApprover"),
        FakeEntryPoint("ghost", ImportError("No module named 'acme_ghost'"), "acme_ghost:X"),
    )
    with pytest.raises(PluginError) as caught:
        registry.validate_installed_plugins()
    message = str(caught.value)
    assert "平台拒绝启动" in message
    assert "unknown-approver = acme_plugins:UnknownApprover" in message
    assert "press_officer" in message
    assert "ghost = acme_ghost:X" in message and "acme_ghost" in message
    assert "tiny" not in caught.value.faults
    assert set(caught.value.faults) == {
        "unknown-approver = acme_plugins:UnknownApprover",
        "ghost = acme_ghost:X",
    }


def test_entry_point_name_must_match_key_and_keys_must_be_unique(fake_installed):
    fake_installed(FakeEntryPoint("tiny", TinyPolicy), FakeEntryPoint("small", TinyPolicy))
    with pytest.raises(PluginError) as caught:
        registry.load_plugins()
    assert "与插件键 key='tiny' 不一致" in str(caught.value)


def test_builtin_plugins_load_through_their_entry_points(restore_registry):
    loaded = registry.validate_installed_plugins()
    assert set(loaded) >= BUILTINS
    assert get_plugin("school").name_zh == "学校网络舆情应对机制"
    assert [p.key for p in all_plugins()] == sorted(loaded)
    with pytest.raises(registry.UnknownPlugin) as caught:
        get_plugin("nope")
    assert "nope" in caught.value.message_zh


def test_builtins_pass_conformance():
    for ep in registry.installed_entry_points():
        if ep.name in BUILTINS:
            _cls, problems = registry.load_entry_point(ep)
            assert problems == [], (ep.name, problems)


# --- CLI -------------------------------------------------------------------------------------


def test_plugins_check_exits_non_zero_on_a_broken_plugin(fake_installed):
    fake_installed(
        FakeEntryPoint("tiny", TinyPolicy),
        FakeEntryPoint("grade-missing", GradeMissingFromDeadlines),
    )
    runner = CliRunner()
    result = runner.invoke(plugins, ["check", "grade-missing"])
    assert result.exit_code == 1
    assert "缺少等级 'high'" in result.output
    result = runner.invoke(plugins, ["check", "tiny"])
    assert result.exit_code == 0 and "校验通过" in result.output
    result = runner.invoke(plugins, ["check"])
    assert result.exit_code == 1
    result = runner.invoke(plugins, ["list"])
    assert result.exit_code == 0
    assert "grade-missing" in result.output and "1 个问题" in result.output
    result = runner.invoke(plugins, ["show", "grade-missing"])
    assert result.exit_code != 0 and "未通过校验" in result.output


def test_plugins_show_prints_everything_in_chinese():
    result = CliRunner().invoke(plugins, ["show", "township"])
    assert result.exit_code == 0, result.output
    for heading in ("【参数】", "【等级】", "【角色】", "【回应审批】", "【时限】", "【定期报表】"):
        assert heading in result.output
    assert "自收到舆情联系单时间起 4 小时内" in result.output
    assert "篇二 D09「半天内」" in result.output
    result = CliRunner().invoke(plugins, ["show", "township", "--json"])
    assert '"key": "township"' in result.output
    result = CliRunner().invoke(plugins, ["check", "nope"])
    assert result.exit_code != 0 and "未找到" in result.output


def test_register_adds_the_group():
    import click

    @click.group()
    def top():
        pass

    from yuqing.policy.cli import register

    register(top)
    assert CliRunner().invoke(top, ["plugins", "list"]).exit_code == 0
