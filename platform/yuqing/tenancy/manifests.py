"""Provisioning as code: ``tenants/*.toml`` manifests, applied idempotently.

A manifest never holds a password: users are created without one, and a password is set with
``yuqing users create`` (or by ``yuqing demo`` for the demo agencies).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate

from yuqing.accounts.models import Membership
from yuqing.accounts.operations import add_membership, create_user, find_user, validate_roles
from yuqing.errors import DomainError, ValidationFailed
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit
from yuqing.tenancy.operations import create_tenant, tenant_by_slug, validate_timezone
from yuqing.tenancy.scope import tenant_scope


class _UnitSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent = fields.String(load_default=None)


class _UserSchema(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    unit = fields.String(load_default=None)


class _PolicySchema(Schema):
    plugin = fields.String(required=True)
    params = fields.Dict(load_default=dict)


class ManifestSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    timezone = fields.String(load_default="Asia/Shanghai")
    locale = fields.String(load_default="zh_Hans_CN")
    parent = fields.String(load_default=None)
    classification = fields.String(load_default=None)
    policy = fields.Nested(_PolicySchema, load_default=None)
    units = fields.List(fields.Nested(_UnitSchema), load_default=list)
    users = fields.List(fields.Nested(_UserSchema), load_default=list)


class ManifestError(Exception):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}")


@dataclass
class SyncReport:
    slug: str
    changes: list[str] = field(default_factory=list)

    def change(self, message: str) -> None:
        self.changes.append(message)


def load_manifest(path: Path) -> dict:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(path, f"TOML 语法错误：{exc}") from exc
    if any("password" in user for user in raw.get("users", [])):
        raise ManifestError(path, "清单中不得包含密码（password）。")
    try:
        return ManifestSchema().load(raw)
    except ValidationError as exc:
        raise ManifestError(path, f"字段错误：{exc.messages}") from exc


def sync_directory(directory: Path) -> list[SyncReport]:
    """Apply every manifest in ``directory``; the caller runs this with the scope disabled."""
    paths = sorted(Path(directory).glob("*.toml"))
    if not paths:
        raise ManifestError(Path(directory), "目录中没有 .toml 清单。")
    manifests = [(path, load_manifest(path)) for path in paths]
    # Parents first, so a child tenant can name one defined in another file.
    manifests.sort(key=lambda item: item[1]["parent"] is not None)
    reports = []
    for path, manifest in manifests:
        try:
            reports.append(apply_manifest(manifest))
        except DomainError as exc:
            raise ManifestError(path, f"{exc.message_zh} {exc.details or ''}".strip()) from exc
    return reports


def apply_manifest(manifest: dict) -> SyncReport:
    report = SyncReport(manifest["slug"])
    tenant = tenant_by_slug(manifest["slug"])
    if tenant is None:
        tenant = create_tenant(
            slug=manifest["slug"],
            name=manifest["name"],
            kind=manifest["kind"],
            timezone=manifest["timezone"],
            locale=manifest["locale"],
        )
        report.change(f"新建租户 {tenant.name}")
    validate_timezone(manifest["timezone"])
    _set(report, tenant, "name", manifest["name"], "名称")
    _set(report, tenant, "kind", manifest["kind"], "类型")
    _set(report, tenant, "timezone", manifest["timezone"], "时区")
    _set(report, tenant, "locale", manifest["locale"], "语言")
    _set(report, tenant, "classification", manifest["classification"], "密级标识")
    if manifest["parent"]:
        parent = tenant_by_slug(manifest["parent"])
        if parent is None:
            raise ValidationFailed({"parent": [f"上级租户 {manifest['parent']} 不存在。"]})
        _set(report, tenant, "parent_id", parent.id, "上级租户")
    if manifest["policy"] is not None:
        _apply_policy(report, tenant, manifest["policy"])
    db.session.flush()
    with tenant_scope(tenant.id):
        _apply_units(report, manifest["units"])
        _apply_users(report, tenant, manifest["users"])
    return report


def _set(report: SyncReport, obj, attribute: str, value, label: str) -> None:
    if getattr(obj, attribute) != value:
        setattr(obj, attribute, value)
        report.change(f"{label} → {value}")


def _apply_policy(report: SyncReport, tenant: Tenant, policy: dict) -> None:
    from yuqing.policy.operations import resolve_policy_choice

    key, params = resolve_policy_choice(policy["plugin"], policy["params"])
    _set(report, tenant, "policy_key", key, "处置方案插件")
    if tenant.policy_params != params:
        tenant.policy_params = params
        report.change("处置方案参数已更新")


def _apply_units(report: SyncReport, units: list[dict]) -> None:
    from yuqing.tenancy.operations import save_unit

    existing = {unit.code: unit for unit in db.session.execute(db.select(Unit)).scalars()}
    pending = list(units)
    # Units may be listed child-first; apply in rounds until every parent exists.
    while pending:
        ready = [u for u in pending if not u["parent"] or u["parent"] in existing]
        if not ready:
            codes = "、".join(u["code"] for u in pending)
            raise ValidationFailed({"units": [f"这些单位的上级单位不存在或成环：{codes}"]})
        for spec in ready:
            unit = existing.get(spec["code"])
            parent_id = existing[spec["parent"]].id if spec["parent"] else None
            if unit is None or unit.name != spec["name"] or unit.parent_id != parent_id:
                unit = save_unit(code=spec["code"], name=spec["name"], parent_code=spec["parent"])
                report.change(f"单位 {spec['code']} {spec['name']}")
            existing[spec["code"]] = unit
            pending.remove(spec)


def _apply_users(report: SyncReport, tenant: Tenant, users: list[dict]) -> None:
    units = {unit.code: unit for unit in db.session.execute(db.select(Unit)).scalars()}
    for spec in users:
        if spec["unit"] and spec["unit"] not in units:
            raise ValidationFailed({"users": [f"{spec['email']} 的单位 {spec['unit']} 不存在。"]})
        user = find_user(spec["email"])
        if user is None:
            user = create_user(email=spec["email"], name=spec["name"], password=None)
            report.change(f"新建用户 {spec['email']}")
        elif user.name != spec["name"]:
            user.name = spec["name"]
            report.change(f"用户 {spec['email']} 更名为 {spec['name']}")
        roles = validate_roles(tenant, spec["roles"])
        unit = units.get(spec["unit"]) if spec["unit"] else None
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=user.id)
        ).scalar_one_or_none()
        unit_id = unit.id if unit else None
        if membership is None or membership.roles != roles or membership.unit_id != unit_id:
            add_membership(tenant=tenant, user=user, roles=roles, unit=unit)
            report.change(f"成员 {spec['email']}：{'、'.join(roles)}")
