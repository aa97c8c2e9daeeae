"""``yuqing plugins list | show KEY | check [KEY]``: the registry, for operators and authors.

The commands look at entry points one by one rather than through the cached registry, so a
broken plugin shows up as broken here instead of hiding every other plugin behind its error.
"""

from __future__ import annotations

import json

import click

from yuqing.policy import registry
from yuqing.policy.labels import STATEMENT_KIND_LABELS


def register(cli_group: click.Group) -> None:
    cli_group.add_command(plugins)


@click.group("plugins", help="策略插件：列出、查看、校验。")
def plugins() -> None:
    pass


def _entry_points_by_key() -> dict[str, object]:
    return {ep.name: ep for ep in registry.installed_entry_points()}


@plugins.command("list", help="列出已安装的策略插件及其校验状态。")
def list_plugins() -> None:
    eps = registry.installed_entry_points()
    if not eps:
        click.echo("没有安装任何策略插件（入口点组 yuqing.policies）。")
        return
    click.echo(f"{'键':<24}{'版本':<10}{'状态':<10}名称")
    for ep in eps:
        plugin_cls, problems = registry.load_entry_point(ep)
        version = getattr(plugin_cls, "version", "?") if plugin_cls else "?"
        name = getattr(plugin_cls, "name_zh", "") if plugin_cls else ep.value
        status = "正常" if not problems else f"{len(problems)} 个问题"
        click.echo(f"{ep.name:<24}{version:<10}{status:<10}{name}")


@plugins.command("show", help="显示插件声明的全部内容（中文）。")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 describe() 的结果。")
def show_plugin(key: str, as_json: bool) -> None:
    ep = _entry_points_by_key().get(key)
    if ep is None:
        raise click.ClickException(f"未找到策略插件 {key!r}。")
    plugin_cls, problems = registry.load_entry_point(ep)
    if plugin_cls is None or problems:
        _echo_problems(key, problems)
        raise click.ClickException(
            f"插件 {key} 未通过校验，无法显示；请先运行 plugins check {key}。"
        )
    described = plugin_cls().describe()
    if as_json:
        click.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    _echo_description(described)


@plugins.command("check", help="对插件运行与启动时相同的一致性校验；有问题时以非零状态退出。")
@click.argument("key", required=False)
def check_plugins(key: str | None) -> None:
    eps = _entry_points_by_key()
    if key is not None:
        if key not in eps:
            raise click.ClickException(f"未找到策略插件 {key!r}。")
        eps = {key: eps[key]}
    failed = 0
    for name, ep in eps.items():
        _cls, problems = registry.load_entry_point(ep)
        if problems:
            failed += 1
            _echo_problems(f"{registry.describe_entry_point(ep)}", problems)
        else:
            click.echo(f"✓ 插件 {name}：校验通过。")
    if failed:
        click.echo(f"{failed} 个插件未通过校验。", err=True)
        raise SystemExit(1)


def _echo_problems(where: str, problems: list[str]) -> None:
    click.echo(f"✗ 插件 {where}：{len(problems)} 个问题", err=True)
    for problem in problems:
        click.echo(f"    · {problem}", err=True)


def _echo_description(d: dict) -> None:
    echo = click.echo
    echo(f"{d['name_zh']}（{d['name_en']}）  键：{d['key']}  版本：{d['version']}")
    echo(f"平台兼容：{d['platform_compat']}    来源：{'、'.join(d['source'])}")
    echo(d["description_zh"])

    echo("\n【参数】")
    for p in d["params"]:
        unit = p["unit_zh"]
        choices = (
            f"  可选：{'、'.join(f'{k}（{v}）' for k, v in p['choices'].items())}"
            if p["choices"]
            else ""
        )
        echo(f"  {p['name']}：{p['label_zh']} = {p['default']}{unit}  〔{p['source']}〕{choices}")

    echo("\n【等级】（由低到高）")
    for g in d["grades"]:
        review = "；须总结评估" if g["review_required"] else ""
        echo(
            f"  {g['code']}：{g['label_zh']}（{g['label_en']}）→ {g['severity']} {g['severity_zh']}{review}"
        )
        if g["description_zh"]:
            echo(f"      {g['description_zh']}")

    echo("\n【角色】")
    for r in d["roles"]:
        echo(f"  {r['key']}：{r['label_zh']}（{r['label_en']}）")

    echo("\n【舆情类别与处置要求】")
    for c in d["categories"]:
        echo(f"  {c['code']} {c['label_zh']}：{c['handling_zh']}  〔{c['source']}〕")

    echo("\n【操作权限】")
    for action in d["action_roles"].values():
        echo(f"  {action['label_zh']}：{'、'.join(action['roles_zh'])}")

    echo("\n【回应审批】")
    for rule in d["approval_rules"]:
        approvers = "、".join(rule["approvers_zh"]) or "无需审批"
        echo(
            f"  等级 {'、'.join(rule['grades'])} 的{'、'.join(rule['kinds_zh'])}：{approvers}"
            f"  〔{rule['source']}〕"
        )

    echo("\n【时限】")
    for code, rules in d["deadlines"].items():
        echo(f"  等级 {code}：")
        if not rules:
            echo("    （无时限）")
        for r in rules:
            echo(
                f"    {r['stage_zh']}：自{r['anchor_zh']}起 {r['within_zh']}，由{r['actor_zh']}负责"
                f"——{r['label_zh']}  〔{r['source']}〕"
            )

    esc = d["escalation"]
    echo("\n【超时逐级提醒】")
    echo(
        f"  {' → '.join(esc['steps_zh'])}，每 {esc['cadence_minutes']} 分钟一级  〔{esc['source']}〕"
    )
    fractions = "、".join(f"{int(f * 100)}%" for f in d["prewarn_fractions"])
    echo(f"  到期前预警：时限的 {fractions}")
    if d["escalation_flags"]:
        echo(
            f"  自动升一级的情形：{'、'.join(d['escalation_flags'])}  〔{d['escalation_flags_source']}〕"
        )

    echo("\n【定期报表】")
    if not d["schedule"]:
        echo("  （无）")
    for s in d["schedule"]:
        echo(
            f"  {s['when_zh']}：{s['label_zh']} → {'、'.join(s['recipients_zh'])}  〔{s['source']}〕"
        )

    echo("\n回应类型：" + "、".join(f"{k}={v[0]}" for k, v in STATEMENT_KIND_LABELS.items()))
