"""``yuqing calendar …`` and ``yuqing deadlines sweep``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope_disabled


def register(cli: click.Group) -> None:
    cli.add_command(calendar)
    cli.add_command(deadlines)


def _warn_if_missing() -> None:
    from yuqing.deadlines.overrides import calendar_warning_for_admins

    warning = calendar_warning_for_admins()
    if warning:
        click.secho(f"警告：{warning}", fg="yellow", err=True)


# AppGroup: each command runs inside the application context, like the top-level commands.
@click.group(cls=AppGroup)
def calendar():
    """节假日与调休日历（全平台）。"""


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(file: Path):
    """导入 FILE（CSV：date,working,note；或 TOML：[[day]] date/working/note）。"""
    from yuqing.deadlines.overrides import import_overrides, parse_override_file
    from yuqing.errors import DomainError

    try:
        rows = parse_override_file(file)
        with tenant_scope_disabled():
            count = import_overrides(rows)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(
            f"{k}: {', '.join(v)}" for k, v in exc.details.get("fields", {}).items()
        )
        raise click.ClickException(f"{exc.message_zh} {details}".strip()) from exc
    click.echo(f"已导入 {count} 天。")
    _warn_if_missing()


@calendar.command("show")
@click.argument("year", type=int)
def calendar_show(year: int):
    """显示 YEAR 年的放假日（工作日放假）与调休上班日（周末上班）。"""
    from yuqing.deadlines.calendar import TenantCalendar
    from yuqing.deadlines.operations import calendar_overrides
    from yuqing.deadlines.overrides import year_summary

    with tenant_scope_disabled():
        summary = year_summary(year, TenantCalendar("Asia/Shanghai", calendar_overrides()))
    weekdays = "一二三四五六日"
    click.echo(
        f"{year} 年调休数据：{'有' if summary['has_makeup_data'] else '无（按普通周末计算）'}"
    )
    click.echo("工作日放假：")
    for day in summary["weekday_days_off"]:
        note = summary["overrides"].get(day, (None, ""))[1]
        click.echo(f"  {day.isoformat()} 周{weekdays[day.weekday()]} {note}".rstrip())
    click.echo("周末调休上班：")
    for day in summary["weekend_workdays"]:
        note = summary["overrides"].get(day, (None, ""))[1]
        click.echo(f"  {day.isoformat()} 周{weekdays[day.weekday()]} {note}".rstrip())
    if summary["overrides"]:
        click.echo("人工覆盖：")
        for day, (worked, note) in sorted(summary["overrides"].items()):
            click.echo(f"  {day.isoformat()} {'上班' if worked else '放假'} {note}".rstrip())
    _warn_if_missing()


@calendar.command("check")
def calendar_check():
    """检查今年和明年是否已有调休数据；缺失时以非零状态退出。"""
    from yuqing.deadlines.overrides import calendar_warning_for_admins

    with tenant_scope_disabled():
        warning = calendar_warning_for_admins()
    if warning:
        click.secho(f"警告：{warning}", fg="yellow", err=True)
        raise SystemExit(1)
    click.echo(f"日历数据完整（{date.today().year} 年及明年）。")


@click.group(cls=AppGroup)
def deadlines():
    """期限与定时任务。"""


@deadlines.command("sweep")
def deadlines_sweep():
    """立即运行一次兜底扫描（超时、预警、督办、简报、投递）。"""
    from yuqing.deadlines.jobs import sweep_once

    with tenant_scope_disabled():
        totals = sweep_once()
    click.echo(" ".join(f"{key}={value}" for key, value in sorted(totals.items())) or "无事可做")
