"""Tenant B can neither read nor write tenant A's rows (ARCHITECTURE §2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.isolation_cases import CASES
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped, TenantScopeError, tenant_scope, tenant_scope_disabled


def _scoped_models():
    return {
        mapper.class_.__name__: mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    }


def test_every_scoped_model_has_a_case(app_ctx):
    missing = sorted(set(_scoped_models()) - set(CASES))
    assert not missing, f"tenant-owned models without an isolation case: {missing}"


def test_every_scoped_table_has_tenant_id_not_null_and_indexed(app_ctx):
    for model in _scoped_models().values():
        column = model.__table__.c.tenant_id
        assert not column.nullable, model
        assert column.index, model
        assert [fk.column.table.name for fk in column.foreign_keys] == ["tenants"], model


@pytest.fixture
def two_tenants(make):
    return make.tenant("alpha", name="甲镇"), make.tenant("beta", name="乙镇")


def _make_row(make, tenant, model_name):
    with tenant_scope(tenant.id):
        row = CASES[model_name](make, tenant)
        db.session.commit()
        row_id = row.id
        # Forget the row so that later reads must go to the database, through the scope.
        db.session.expunge(row)
    return row_id


@pytest.mark.parametrize("model_name", sorted(CASES))
def test_b_cannot_read_a_rows(make, two_tenants, model_name):
    alpha, beta = two_tenants
    model = _scoped_models()[model_name]
    row_id = _make_row(make, alpha, model_name)
    with tenant_scope(beta.id):
        assert db.session.get(model, row_id) is None
        assert db.session.execute(sa.select(model)).scalars().all() == []
        assert db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar() == 0
    with tenant_scope(alpha.id):
        assert db.session.get(model, row_id) is not None


#: Tables the application role may only append to (the audit chain, ARCHITECTURE §6).
APPEND_ONLY = {"audit_events"}


def _refuses_change(model) -> bool:
    """On PostgreSQL the app role has no UPDATE/DELETE right at all on append-only tables."""
    return db.engine.dialect.name == "postgresql" and model.__table__.name in APPEND_ONLY


@pytest.mark.parametrize("model_name", sorted(CASES))
def test_b_cannot_write_a_rows(make, two_tenants, model_name):
    alpha, beta = two_tenants
    model = _scoped_models()[model_name]
    row_id = _make_row(make, alpha, model_name)
    with tenant_scope(alpha.id):
        row = db.session.get(model, row_id)
    # An object from A's scope, modified and flushed in B's scope, is refused.
    with tenant_scope(beta.id):
        row.tenant_id = alpha.id
        db.session.add(row)
        for column in model.__table__.c:
            if (
                isinstance(column.type, sa.String)
                and not column.primary_key
                and not column.foreign_keys
            ):
                setattr(row, column.key, "tampered")
                break
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()
    # A bulk DELETE issued in B's scope touches none of A's rows.
    with tenant_scope(beta.id):
        if _refuses_change(model):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                db.session.execute(sa.delete(model).where(model.id == row_id))
            db.session.rollback()
        else:
            result = db.session.execute(sa.delete(model).where(model.id == row_id))
            assert result.rowcount == 0
            db.session.commit()
    with tenant_scope(alpha.id):
        assert db.session.get(model, row_id) is not None


@pytest.mark.parametrize("model_name", sorted(CASES))
def test_unscoped_query_raises(make, two_tenants, model_name):
    model = _scoped_models()[model_name]
    with pytest.raises(TenantScopeError):
        db.session.execute(sa.select(model)).all()
    db.session.rollback()


def test_row_for_another_tenant_cannot_be_inserted(make, two_tenants):
    from yuqing.tenancy.models import Unit

    alpha, beta = two_tenants
    with tenant_scope(beta.id):
        db.session.add(Unit(tenant_id=alpha.id, code="X", name="越权"))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_disabled_scope_sees_every_tenant(make, two_tenants):
    from yuqing.tenancy.models import Unit

    alpha, beta = two_tenants
    _make_row(make, alpha, "Unit")
    _make_row(make, beta, "Unit")
    with tenant_scope_disabled():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar() == 2


@pytest.mark.parametrize("model_name", sorted(CASES))
def test_postgres_rls_hides_a_rows_from_raw_sql(app, make, two_tenants, model_name):
    """The second wall: raw SQL in B's transaction, bypassing the ORM, returns none of A's rows."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")
    alpha, beta = two_tenants
    model = _scoped_models()[model_name]
    _make_row(make, alpha, model_name)
    table = model.__table__.name
    with db.engine.connect() as conn:
        # The application role owns nothing and cannot bypass RLS.
        with conn.begin():
            privileged = conn.execute(
                sa.text(
                    "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"
                )
            ).scalar()
        assert privileged is False
        with conn.begin():
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(beta.id)}
            )
            assert conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar() == 0
        with conn.begin():
            assert conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar() == 0
        with conn.begin():
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(alpha.id)}
            )
            assert conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar() >= 1
        with conn.begin():
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(beta.id)}
            )
            if table in APPEND_ONLY:
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(sa.text(f'UPDATE "{table}" SET tenant_id = tenant_id'))
                return
            updated = conn.execute(sa.text(f'UPDATE "{table}" SET tenant_id = tenant_id'))
            assert updated.rowcount == 0
            with pytest.raises(sa.exc.DBAPIError, match="row-level security"):
                conn.execute(
                    sa.text(f'INSERT INTO "{table}" (tenant_id) VALUES (:a)'), {"a": alpha.id}
                )
