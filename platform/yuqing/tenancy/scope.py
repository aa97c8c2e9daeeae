"""Tenant scoping that raises when forgotten (ARCHITECTURE §2).

A tenant scope is a context variable entered per request and per job. Every ORM query that
touches a :class:`TenantScoped` model gets ``tenant_id = <scope>`` added through
``with_loader_criteria``; with no scope active the query raises :class:`TenantScopeError`.
The only bypass is :func:`tenant_scope_disabled`, for platform-admin code and the CLI.
On PostgreSQL each transaction also carries the scope in ``app.tenant_id`` for row-level
security, the second wall.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.util import find_tables


class TenantScopeError(RuntimeError):
    """A tenant-owned row was queried or written outside its tenant's scope."""


@dataclass(frozen=True)
class _Scope:
    tenant_id: int | None
    disabled: bool


# _Scope is a frozen dataclass, so sharing the default instance is safe.
_scope: ContextVar[_Scope] = ContextVar("yuqing_tenant_scope", default=_Scope(None, False))  # noqa: B039


class TenantScoped:
    """Mixin for every tenant-owned table: ``tenant_id NOT NULL``, indexed, FK to tenants."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr convention
        return mapped_column(
            sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
        )


def current_tenant_id() -> int | None:
    return _scope.get().tenant_id


def scope_is_disabled() -> bool:
    return _scope.get().disabled


def require_tenant_id() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("no tenant scope is active")
    return tenant_id


@contextlib.contextmanager
def _entered(scope: _Scope) -> Iterator[None]:
    token = _scope.set(scope)
    _sync_database_scope()
    try:
        yield
    finally:
        _scope.reset(token)
        _sync_database_scope()


def tenant_scope(tenant_id: int) -> contextlib.AbstractContextManager[None]:
    """Run the block as tenant ``tenant_id``: queries see only its rows, writes must be its own."""
    if not isinstance(tenant_id, int):
        raise TypeError("tenant_scope takes a tenant id")
    return _entered(_Scope(tenant_id, False))


def tenant_scope_disabled() -> contextlib.AbstractContextManager[None]:
    """The explicit bypass, for platform-admin code, the CLI and the cross-tenant sweeper."""
    return _entered(_Scope(None, True))


def enter_request_scope(tenant_id: int | None) -> None:
    """Set the scope for the rest of a request; the request context is discarded afterwards."""
    _scope.set(_Scope(tenant_id, False))
    _sync_database_scope()


# --- ORM guards -----------------------------------------------------------------------------


def _statement_touches_scoped_model(orm_execute_state) -> bool:
    # ``all_mappers`` misses entities that appear only in FROM (``select(func.count())
    # .select_from(Model)``), so the tables of the whole statement are inspected instead.
    if any(issubclass(m.class_, TenantScoped) for m in orm_execute_state.all_mappers):
        return True
    tables = find_tables(
        orm_execute_state.statement,
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    )
    return any("tenant_id" in table.c for table in tables if hasattr(table, "c"))


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(orm_execute_state) -> None:
    if not (
        orm_execute_state.is_select or orm_execute_state.is_update or orm_execute_state.is_delete
    ):
        return
    if orm_execute_state.is_column_load or not _statement_touches_scoped_model(orm_execute_state):
        return
    scope = _scope.get()
    if scope.disabled:
        return
    if scope.tenant_id is None:
        raise TenantScopeError("query on a tenant-owned model with no tenant scope active")
    tenant_id = scope.tenant_id
    orm_execute_state.statement = orm_execute_state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


@event.listens_for(Session, "before_flush")
def _guard_tenant_writes(session: Session, flush_context, instances) -> None:
    scope = _scope.get()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if scope.disabled:
            if obj.tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} has no tenant_id")
            continue
        if scope.tenant_id is None:
            raise TenantScopeError(f"write to {type(obj).__name__} with no tenant scope active")
        if obj.tenant_id is None and obj in session.new:
            obj.tenant_id = scope.tenant_id
        if obj.tenant_id != scope.tenant_id:
            raise TenantScopeError(
                f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, "
                f"the active scope is tenant {scope.tenant_id}"
            )


# --- PostgreSQL row-level security ------------------------------------------------------------


def _pg_scope_params() -> dict[str, str]:
    scope = _scope.get()
    return {
        "tenant_id": "" if scope.tenant_id is None else str(scope.tenant_id),
        "all_tenants": "on" if scope.disabled else "",
    }


_SET_SCOPE_SQL = sa.text(
    "SELECT set_config('app.tenant_id', :tenant_id, true), "
    "set_config('app.all_tenants', :all_tenants, true)"
)


@event.listens_for(Session, "after_begin")
def _set_pg_scope_on_begin(session: Session, transaction, connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_SCOPE_SQL, _pg_scope_params())


def _sync_database_scope() -> None:
    """Carry a scope change into a PostgreSQL transaction that is already open."""
    from yuqing.extensions import db

    try:
        session = db.session()
    except RuntimeError:  # no application context: nothing is open
        return
    if not session.in_transaction():
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_SCOPE_SQL, _pg_scope_params())
