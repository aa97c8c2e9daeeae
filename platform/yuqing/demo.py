"""The demo agencies: load the manifests and give their people a demo password."""

from __future__ import annotations

from pathlib import Path

from yuqing.accounts.models import Membership, User
from yuqing.accounts.operations import create_user, find_user, set_password
from yuqing.demo_incidents import seed_demo_incidents
from yuqing.extensions import db
from yuqing.tenancy.manifests import sync_directory
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope_disabled

PLATFORM_ADMIN_EMAIL = "admin@yuqing.demo"


def prepare_demo(tenants_dir: Path, password: str) -> list[tuple[str, str, str]]:
    """Sync the demo manifests; demo users without a password get ``password``.

    Answers (tenant name, e-mail, roles) for every demo login, for the console.
    """
    with tenant_scope_disabled():
        sync_directory(tenants_dir)
        admin = find_user(PLATFORM_ADMIN_EMAIL) or create_user(
            email=PLATFORM_ADMIN_EMAIL, name="平台管理员", password=password, platform_admin=True
        )
        rows = db.session.execute(
            db.select(Tenant, User, Membership)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .join(User, User.id == Membership.user_id)
            .order_by(Tenant.slug, User.email)
        ).all()
        for _, user, _ in rows:
            if user.password_hash is None:
                set_password(user, password)
        db.session.commit()
        tenants = db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all()
        logins = [("平台管理员", admin.email, "platform_admin")]
        logins += [(t.name, u.email, ",".join(m.roles)) for t, u, m in rows]
    for tenant in tenants:
        seed_demo_incidents(tenant)
    return logins
