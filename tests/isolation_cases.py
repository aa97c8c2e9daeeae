"""One row maker per tenant-owned model, for the isolation tests.

Every model with a ``tenant_id`` must appear here: ``test_every_scoped_model_has_a_case`` fails
otherwise, so a new table cannot ship without its isolation test. A maker runs inside the
owning tenant's scope and returns a flushed row.
"""

from __future__ import annotations

from collections.abc import Callable

from yuqing.extensions import db

CASES: dict[str, Callable] = {}


def case(model_name: str):
    def register(maker: Callable):
        CASES[model_name] = maker
        return maker

    return register


@case("Unit")
def _unit(make, tenant):
    from yuqing.tenancy.operations import save_unit

    return save_unit(code="ISO", name="隔离测试单位")


@case("Membership")
def _membership(make, tenant):
    from yuqing.accounts.models import Membership, User

    user = User(email=f"iso-{tenant.slug}@example.cn", name="隔离")
    db.session.add(user)
    db.session.flush()
    row = Membership(tenant_id=tenant.id, user_id=user.id, roles=["monitor"])
    db.session.add(row)
    db.session.flush()
    return row


@case("ApiKey")
def _api_key(make, tenant):
    from yuqing.accounts.operations import create_api_key

    key, _ = create_api_key(tenant=tenant, name="iso", roles=["office"])
    return key
