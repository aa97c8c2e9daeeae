"""``yuqing audit verify --tenant SLUG``."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.group("audit")
    def audit():
        """审计日志：校验哈希链。"""

    @audit.command("verify")
    @click.option("--tenant", "slug", required=True, help="租户标识")
    def verify(slug: str):
        """校验租户的审计事件链；发现断链时以非零状态退出并指出第一条断链事件。"""
        from yuqing.audit.operations import verify_chain
        from yuqing.extensions import db
        from yuqing.tenancy.operations import tenant_by_slug
        from yuqing.tenancy.scope import tenant_scope_disabled

        with tenant_scope_disabled():
            tenant = tenant_by_slug(slug)
        if tenant is None:
            raise click.ClickException(f"租户不存在：{slug}")
        result = verify_chain(tenant.id)
        db.session.rollback()
        if result.ok:
            click.echo(f"{slug}: 审计链完整，共校验 {result.checked} 条事件 (chain intact)")
            return
        raise click.ClickException(
            f"{slug}: 审计链在第 {result.first_broken_seq} 条事件处断开"
            f"（id={result.event_id}，{result.event_kind}）：{result.reason} "
            f"(chain broken at seq {result.first_broken_seq}); "
            f"此前 {result.checked} 条事件完好"
        )
