"""Operations on tenants and units. They flush; the caller commits."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yuqing.errors import Conflict, ValidationFailed
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def validate_slug(slug: str) -> str:
    if not SLUG_RE.match(slug or ""):
        raise ValidationFailed({"slug": ["标识只能包含小写字母、数字和连字符，长度 2–63。"]})
    return slug


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed({"timezone": [f"未知时区：{name}"]}) from None
    return name


def tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()


def create_tenant(
    *, slug: str, name: str, kind: str, timezone: str = "Asia/Shanghai", locale: str = "zh_Hans_CN"
) -> Tenant:
    validate_slug(slug)
    validate_timezone(timezone)
    if tenant_by_slug(slug) is not None:
        raise Conflict("该标识已被使用。", "This slug is taken.")
    tenant = Tenant(slug=slug, name=name, kind=kind, timezone=timezone, locale=locale)
    db.session.add(tenant)
    db.session.flush()
    return tenant


def save_unit(*, code: str, name: str, parent_code: str | None = None) -> Unit:
    """Create or rename the unit ``code`` of the tenant in scope."""
    unit = db.session.execute(db.select(Unit).filter_by(code=code)).scalar_one_or_none()
    parent = None
    if parent_code:
        parent = db.session.execute(
            db.select(Unit).filter_by(code=parent_code)
        ).scalar_one_or_none()
        if parent is None:
            raise ValidationFailed({"parent": [f"上级单位 {parent_code} 不存在。"]})
    if unit is None:
        unit = Unit(code=code, name=name)
        db.session.add(unit)
    if parent is not None and _would_cycle(unit, parent):
        raise ValidationFailed({"parent": ["上级单位不能是本单位或其下级单位。"]})
    unit.name = name
    unit.parent = parent
    db.session.flush()
    return unit


def _would_cycle(unit: Unit, parent: Unit) -> bool:
    node = parent
    while node is not None:
        if node is unit:
            return True
        node = node.parent
    return False


def list_units() -> list[Unit]:
    return list(db.session.execute(db.select(Unit).order_by(Unit.code)).scalars())
