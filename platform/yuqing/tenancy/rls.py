"""PostgreSQL row-level security: the second wall behind the ORM scope (ARCHITECTURE §2).

Every table with a ``tenant_id`` column gets ``FORCE ROW LEVEL SECURITY`` and one policy that
admits the rows of the tenant named in the transaction's ``app.tenant_id``. The bypass that
``tenant_scope_disabled()`` sets (``app.all_tenants``) is the same explicit, audited-in-code
door as in the ORM. The application connects as a role that owns no table, so it cannot turn
the policies off.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

POLICY_NAME = "tenant_isolation"
_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

_PREDICATE = (
    "(tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int "
    "OR current_setting('app.all_tenants', true) = 'on')"
)


def scoped_table_names(metadata: sa.MetaData) -> list[str]:
    return sorted(name for name, table in metadata.tables.items() if "tenant_id" in table.c)


def install_rls(connection: sa.Connection, metadata: sa.MetaData, app_role: str | None) -> None:
    """Create or refresh the policies (idempotent) and grant the application role its rights."""
    if connection.dialect.name != "postgresql":
        return
    for table in scoped_table_names(metadata):
        connection.execute(sa.text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        connection.execute(sa.text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
        connection.execute(sa.text(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"'))
        connection.execute(
            sa.text(
                f'CREATE POLICY {POLICY_NAME} ON "{table}" USING {_PREDICATE} WITH CHECK {_PREDICATE}'
            )
        )
    if app_role:
        grant_application_role(connection, app_role)


def grant_application_role(connection: sa.Connection, app_role: str) -> None:
    if not _ROLE_RE.match(app_role):
        raise ValueError(f"unsafe role name: {app_role!r}")
    connection.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {app_role}"))
    connection.execute(
        sa.text(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role}"
        )
    )
    connection.execute(
        sa.text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role}")
    )
    # The audit chain is append-only: the application may add events, never change them.
    connection.execute(
        sa.text(
            "DO $$ BEGIN IF to_regclass('public.audit_events') IS NOT NULL THEN "
            f"REVOKE UPDATE, DELETE ON audit_events FROM {app_role}; END IF; END $$"
        )
    )


def application_role(app_url: str, owner_url: str) -> str | None:
    """The role the application connects as, when it differs from the owner running migrations."""
    app_user = sa.engine.make_url(app_url).username
    owner_user = sa.engine.make_url(owner_url).username
    if app_user and app_user != owner_user:
        return app_user
    return None
