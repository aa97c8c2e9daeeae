"""Tenants and their units (the 涉事单位 that receive dispatch slips)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.db_types import JSONType, UTCDateTime, utcnow
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScoped


class Tenant(db.Model):
    """An organisation on the platform. Not tenant-scoped itself: it *is* the scope."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Kind of organisation (bureau, township, school …), free text from the manifest.
    kind: Mapped[str] = mapped_column(sa.String(64))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans_CN")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"))
    #: The chosen policy plugin and its tenant parameters (validated by the plugin's schema).
    policy_key: Mapped[str | None] = mapped_column(sa.String(64))
    policy_params: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Classification line printed on exported documents (e.g. 「内部资料 注意保存」), if any.
    classification: Mapped[str | None] = mapped_column(sa.String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Tenant | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class Unit(TenantScoped, db.Model):
    """A department, village, section or field team of a tenant; units form a tree."""

    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def path_names(self) -> list[str]:
        names, unit = [], self
        while unit is not None:
            names.append(unit.name)
            unit = unit.parent
        return list(reversed(names))
