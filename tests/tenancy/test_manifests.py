"""Provisioning as code: ``yuqing tenants sync`` is idempotent and never takes a password."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from yuqing.accounts.models import Membership, User
from yuqing.cli import cli
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

DEMO_TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def run(app, *args, input=None):
    return CliRunner().invoke(
        cli, list(args), obj=_script_info(app), input=input, catch_exceptions=False
    )


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_demo_manifests_sync_and_second_run_changes_nothing(app, app_ctx):
    first = run(app, "tenants", "sync", str(DEMO_TENANTS))
    assert first.exit_code == 0, first.output
    assert "新建租户" in first.output
    with tenant_scope_disabled():
        slugs = set(db.session.execute(db.select(Tenant.slug)).scalars())
        assert {
            "huangshan-archives",
            "anping-town",
            "huaning-highway",
            "jinpenshan-school",
            "jiaxiang-urban",
        } <= slugs
        # No manifest carries a password: users exist but cannot sign in until one is set.
        assert all(u.password_hash is None for u in db.session.execute(db.select(User)).scalars())
        anping = db.session.execute(db.select(Tenant).filter_by(slug="anping-town")).scalar_one()
        assert anping.policy_key == "township"
    with tenant_scope(anping.id):
        codes = set(db.session.execute(db.select(Unit.code)).scalars())
        assert "longshi-village" in codes
        roles = {tuple(m.roles) for m in db.session.execute(db.select(Membership)).scalars()}
        assert ("unit_handler",) in roles

    second = run(app, "tenants", "sync", str(DEMO_TENANTS))
    assert second.exit_code == 0
    assert "全部清单均无变化" in second.output
    assert "新建" not in second.output


def test_manifest_change_is_applied_and_reported(app, app_ctx, tmp_path):
    manifest = tmp_path / "t.toml"
    manifest.write_text(
        'slug = "demo-town"\nname = "示例镇"\nkind = "township"\ntimezone = "Asia/Shanghai"\n'
        '[policy]\nplugin = "township"\n[policy.params]\n'
        '[[units]]\ncode = "v1"\nname = "一村"\n'
        '[[users]]\nemail = "a@example.cn"\nname = "甲"\nroles = ["office"]\nunit = "v1"\n',
        encoding="utf-8",
    )
    assert run(app, "tenants", "sync", str(tmp_path)).exit_code == 0
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("一村", "第一村"), encoding="utf-8"
    )
    result = run(app, "tenants", "sync", str(tmp_path))
    assert "第一村" in result.output
    assert "全部清单均无变化" in run(app, "tenants", "sync", str(tmp_path)).output


def test_manifest_with_password_is_refused(app, app_ctx, tmp_path):
    (tmp_path / "bad.toml").write_text(
        'slug = "bad"\nname = "坏"\nkind = "x"\n[[users]]\nemail = "a@example.cn"\nname = "甲"\n'
        'roles = ["office"]\npassword = "secret"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["tenants", "sync", str(tmp_path)], obj=_script_info(app))
    assert result.exit_code != 0
    assert "不得包含密码" in result.output


def test_manifest_with_unknown_role_names_it(app, app_ctx, tmp_path):
    (tmp_path / "bad.toml").write_text(
        'slug = "bad-role"\nname = "坏"\nkind = "x"\n[policy]\nplugin = "township"\n'
        '[[users]]\nemail = "a@example.cn"\nname = "甲"\nroles = ["wizard"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["tenants", "sync", str(tmp_path)], obj=_script_info(app))
    assert result.exit_code != 0
    assert "wizard" in result.output
