"""Users, their memberships in tenants, and per-tenant API keys."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit
from yuqing.tenancy.scope import TenantScoped

#: The canonical roles every policy plugin shares (issue 3); plugins may add their own.
CANONICAL_ROLES = (
    "tenant_admin",
    "auditor",
    "monitor",
    "office",
    "leader",
    "spokesperson",
    "unit_handler",
)


class User(UserMixin, db.Model):
    """A person. Global: one user may belong to several tenants through memberships."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: Platform admins create tenants; they see a tenant's incidents only as its members.
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    #: Quiet hours for notifications, local "HH:MM" strings; the top grades override them.
    quiet_start: Mapped[str | None] = mapped_column(sa.String(5))
    quiet_end: Mapped[str | None] = mapped_column(sa.String(5))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TenantScoped, db.Model):
    """A user's place in one tenant: roles under the tenant's policy, and a unit."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list] = mapped_column(JSONType, default=list)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    unit: Mapped[Unit | None] = relationship()
    tenant: Mapped[Tenant] = relationship()

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class ApiKey(TenantScoped, db.Model):
    """A key for ``/api/v1``: shown once, stored as a SHA-256 digest, revocable.

    The key carries 256 bits of randomness, so a fast digest is enough; a slow password hash
    would make every API call pay for protection the key does not need.
    """

    __tablename__ = "api_keys"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: The first characters of the key, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    roles: Mapped[list] = mapped_column(JSONType, default=list)
    #: The unit a ``unit_handler`` key acts for; such a key may touch only incidents
    #: dispatched to this unit or one below it, like a person holding the role.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def digest(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: users are global, so no tenant scope is needed."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active_account else None
