"""The ``yuqing`` command line."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

#: Domains contributing command groups through ``cli.register(group)``.
CLI_DOMAINS = ("policy", "audit", "deadlines", "notifications", "reports")

DEMO_PASSWORD = "yuqing-demo-2026"


def _create_app():
    from yuqing.app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def cli():
    """Yuqing（舆情）: 网络舆情处置平台。"""


def _start_embedded_redis() -> None:
    if current_app.config["EMBEDDED_REDIS"]:
        from yuqing.runtime import ensure_embedded_redis

        ensure_embedded_redis(Path(current_app.config["REDIS_URL"].removeprefix("unix://")))


def _tenant_or_fail(slug: str):
    from yuqing.tenancy.operations import tenant_by_slug

    with tenant_scope_disabled():
        tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"租户不存在：{slug}")
    return tenant


def _fail_on_domain_error(exc) -> None:
    detail = f" {exc.details}" if exc.details else ""
    raise click.ClickException(f"{exc.message_zh}{detail}")


# --- database -------------------------------------------------------------------------------


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade()


# --- tenants --------------------------------------------------------------------------------


@cli.group()
def tenants():
    """租户：同步清单、列出租户。"""


@tenants.command("sync")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def tenants_sync(directory: Path):
    """按 DIRECTORY 中的 TOML 清单创建或更新租户（幂等）。"""
    from yuqing.tenancy.manifests import ManifestError, sync_directory

    try:
        with tenant_scope_disabled():
            reports = sync_directory(directory)
            db.session.commit()
    except ManifestError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    changed = False
    for report in reports:
        if report.changes:
            changed = True
            click.echo(f"{report.slug}:")
            for change in report.changes:
                click.echo(f"  - {change}")
        else:
            click.echo(f"{report.slug}: 无变化 (unchanged)")
    if not changed:
        click.echo("全部清单均无变化 (nothing changed)")


@tenants.command("list")
def tenants_list():
    """列出所有租户。"""
    from yuqing.tenancy.models import Tenant

    with tenant_scope_disabled():
        for tenant in db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars():
            click.echo(f"{tenant.slug}\t{tenant.name}\t{tenant.kind}\t{tenant.policy_key or '-'}")


# --- users and API keys -------------------------------------------------------------------


@cli.group()
def users():
    """用户。"""


@users.command("create")
@click.option("--tenant", "slug", help="租户标识；省略则只创建用户")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, help="角色，可重复")
@click.option("--unit", "unit_code", default=None, help="单位代码")
@click.option("--platform-admin", is_flag=True, help="平台管理员")
def users_create(slug, email, name, roles, unit_code, platform_admin):
    """创建用户。管道输入时从标准输入读取密码，否则生成密码并只打印一次。"""
    from yuqing.accounts.operations import (
        add_membership,
        create_user,
        find_user,
        set_password,
        unit_by_code,
    )
    from yuqing.accounts.passwords import generate_password
    from yuqing.errors import DomainError

    piped = not sys.stdin.isatty()
    password = sys.stdin.readline().rstrip("\n") if piped else None
    generated = None
    if not password:
        password = generated = generate_password()
    tenant = _tenant_or_fail(slug) if slug else None
    if tenant is not None and not roles:
        raise click.ClickException("加入租户时至少需要一个 --role。")
    try:
        with tenant_scope_disabled():
            user = find_user(email)
            if user is None:
                user = create_user(
                    email=email, name=name, password=password, platform_admin=platform_admin
                )
            else:
                set_password(user, password)
                user.is_platform_admin = user.is_platform_admin or platform_admin
        if tenant is not None:
            with tenant_scope(tenant.id):
                add_membership(
                    tenant=tenant, user=user, roles=list(roles), unit=unit_by_code(unit_code)
                )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail_on_domain_error(exc)
    if generated:
        click.echo(f"密码（只显示一次）: {generated}")
    click.echo(f"用户 {email} 已就绪", err=True)


@cli.group()
def apikeys():
    """API 密钥。"""


@apikeys.command("create")
@click.option("--tenant", "slug", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True)
def apikeys_create(slug, name, roles):
    """创建 API 密钥；标准输出只打印密钥本身。"""
    from yuqing.accounts.operations import create_api_key
    from yuqing.errors import DomainError

    tenant = _tenant_or_fail(slug)
    try:
        with tenant_scope(tenant.id):
            _, raw_key = create_api_key(tenant=tenant, name=name, roles=list(roles))
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail_on_domain_error(exc)
    click.echo(raw_key)


@apikeys.command("revoke")
@click.option("--tenant", "slug", required=True)
@click.option("--name", required=True)
def apikeys_revoke(slug, name):
    """吊销 API 密钥。"""
    from yuqing.accounts.operations import revoke_api_key
    from yuqing.errors import DomainError

    tenant = _tenant_or_fail(slug)
    try:
        with tenant_scope(tenant.id):
            revoke_api_key(name=name)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail_on_domain_error(exc)
    click.echo(f"已吊销：{name}", err=True)


# --- processes ------------------------------------------------------------------------------


@cli.command("web")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int, help="gunicorn 进程数")
def web(host, port, workers):
    """启动 Web 服务（gunicorn）。"""
    _start_embedded_redis()
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "yuqing.wsgi:app",
        ],
    )


@cli.command("worker")
@click.option("--queue", "queues", multiple=True, help="队列，默认全部")
@click.option("--burst", is_flag=True, help="处理完队列后退出")
def worker(queues, burst):
    """启动 RQ 工作进程（含定时任务调度）。"""
    from rq import Worker

    from yuqing.jobs import QUEUES, get_queue, redis_connection

    _start_embedded_redis()
    names = queues or QUEUES
    rq_worker = Worker([get_queue(name) for name in names], connection=redis_connection())
    rq_worker.work(with_scheduler=True, burst=burst)


@cli.command("cron")
def cron():
    """启动 rq cron：每分钟的兜底扫描和定期简报。"""
    _start_embedded_redis()
    from rq.cron import CronScheduler

    from yuqing.jobs import redis_connection

    scheduler = CronScheduler(connection=redis_connection())
    # A dotted module path: rq imports it like any module (a file path would load a second
    # copy of it under another name).
    scheduler.load_config_from_file("yuqing.cron_config")
    scheduler.start()


@cli.command("demo")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="只准备数据，不启动服务")
def demo(host, port, no_serve):
    """一键演示：内置 SQLite 和 Redis，迁移、加载演示单位、启动 Web/工作进程/cron。"""
    from yuqing.demo import prepare_demo

    _start_embedded_redis()
    upgrade_database()
    logins = prepare_demo(Path(current_app.root_path).parents[1] / "tenants", DEMO_PASSWORD)
    if no_serve:
        _print_logins(host, port, logins)
        return
    env = {
        **os.environ,
        "YUQING_INSTANCE_PATH": current_app.config["INSTANCE_PATH"],
        "YUQING_INSECURE_COOKIES": os.environ.get("YUQING_INSECURE_COOKIES", "1"),
    }
    # SIGTERM (a service manager, ``timeout``) must stop the children and the embedded Redis
    # as Ctrl+C does, instead of leaving them running without a parent.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    base = [sys.executable, "-m", "yuqing.cli"]
    children = [
        subprocess.Popen([*base, "worker"], env=env),
        subprocess.Popen([*base, "cron"], env=env),
        subprocess.Popen([*base, "web", "--host", host, "--port", str(port)], env=env),
    ]
    _wait_until_serving(host, port, children)
    _print_logins(host, port, logins)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _wait_until_serving(host, port, children, timeout: float = 90) -> None:
    """Print the URL only once the web server answers, so the first click works."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise click.ClickException("演示进程意外退出，请查看上方日志。")
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise click.ClickException("Web 服务未能在规定时间内启动。")


def _print_logins(host, port, logins) -> None:
    click.echo("")
    click.echo(f"Yuqing 已启动：http://{host}:{port}/")
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for tenant_name, email, roles in logins:
        click.echo(f"  {tenant_name:<16} {email:<36} {roles}")
    click.echo("按 Ctrl+C 停止。")


def _register_domain_commands() -> None:
    for domain in CLI_DOMAINS:
        try:
            module = importlib.import_module(f"yuqing.{domain}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"yuqing.{domain}.cli":
                raise
            continue
        module.register(cli)


_register_domain_commands()


def main() -> None:
    cli(prog_name="yuqing")


if __name__ == "__main__":
    main()
