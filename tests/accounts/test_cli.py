"""``yuqing users create`` and ``yuqing apikeys create|revoke``."""

from __future__ import annotations

from click.testing import CliRunner
from flask.cli import ScriptInfo

from tests.conftest import login
from yuqing.cli import cli


def invoke(app, *args, input=None):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


def test_users_create_reads_password_from_stdin(app, client, make):
    make.tenant("anping")
    make.unit(make.tenant("other"), "X")
    result = invoke(
        app,
        "users",
        "create",
        "--tenant",
        "anping",
        "--email",
        "li@example.cn",
        "--name",
        "李四",
        "--role",
        "office",
        input="s3cret-passw0rd\n",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert login(client, "li@example.cn", "s3cret-passw0rd").status_code == 302


def test_users_create_generates_and_prints_password_once(app, client, make):
    make.tenant("anping")
    result = invoke(
        app,
        "users",
        "create",
        "--tenant",
        "anping",
        "--email",
        "wang@example.cn",
        "--name",
        "王五",
        "--role",
        "monitor",
        input="",
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("密码（只显示一次）:")[1].split()[0]
    assert login(client, "wang@example.cn", password).status_code == 302


def test_users_create_rejects_unknown_role(app, make):
    make.tenant("anping")
    result = invoke(
        app,
        "users",
        "create",
        "--tenant",
        "anping",
        "--email",
        "x@example.cn",
        "--name",
        "X",
        "--role",
        "superuser",
        input="pw-123456\n",
    )
    assert result.exit_code != 0
    assert "未知角色" in result.output


def test_apikeys_create_prints_only_the_key_and_revoke_disables_it(app, client, make):
    make.tenant("anping")
    created = CliRunner().invoke(
        cli,
        ["apikeys", "create", "--tenant", "anping", "--name", "monitor-feed", "--role", "monitor"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("yq_") and "\n" not in key
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    revoked = invoke(app, "apikeys", "revoke", "--tenant", "anping", "--name", "monitor-feed")
    assert revoked.exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
