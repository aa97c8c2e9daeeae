"""``yuqing audit verify-pdf FILE``: check an accountability record against the live chain.

The ``audit`` group belongs to the audit domain (``audit/cli.py``), which registers before
this module (``CLI_DOMAINS`` order); if it is missing, the group is created here the same way
so the command exists either way.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


def register(cli: click.Group) -> None:
    audit = cli.commands.get("audit")
    if audit is None:

        @cli.group("audit")
        def audit():
            """审计日志：校验哈希链。"""

    audit.add_command(verify_pdf_command)


@click.command("verify-pdf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_pdf_command(file: Path):
    """核验问责记录 PDF 中内嵌的审计事件与系统事件链是否一致；不一致时以非零状态退出。"""
    from yuqing.reports.verify import RecordUnreadable, verify_pdf

    try:
        result = verify_pdf(file.read_bytes())
    except RecordUnreadable as exc:
        raise click.ClickException(str(exc)) from exc
    head = result.chain_head
    head_text = f"#{head['seq']} {head['hash']}" if head else "（无）"
    click.echo(f"租户 {result.tenant_slug}：核验 {result.checked} 条事件，导出时链头 {head_text}")
    if result.ok:
        click.echo("全部事件与系统事件链一致 (all cited events match the live chain)")
        return
    for seq, reason in result.mismatches:
        click.echo(f"  ✗ 事件 #{seq}：{reason}", err=True)
    click.echo(f"{len(result.mismatches)} 条事件不一致 (events no longer match)", err=True)
    raise SystemExit(1)
