"""The tenant's choice of policy plugin, and the snapshot an incident keeps (ARCHITECTURE §3)."""

from __future__ import annotations

from yuqing.errors import ValidationFailed
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant


def resolve_policy_choice(key: str, raw_params: dict | None) -> tuple[str, dict]:
    """Validate a plugin key and its parameters; answer the key and the resolved parameters."""
    from yuqing.policy import all_plugins

    plugins = {plugin.key: plugin for plugin in all_plugins()}
    if key not in plugins:
        known = "、".join(sorted(plugins))
        raise ValidationFailed({"plugin": [f"未知的处置方案插件：{key}（可选：{known}）"]})
    return key, plugins[key].resolve_params(raw_params or {})


def choose_policy(*, tenant: Tenant, key: str, params: dict | None) -> Tenant:
    """Set the tenant's plugin and parameters. Open incidents keep the snapshot they have."""
    tenant.policy_key, tenant.policy_params = resolve_policy_choice(key, params)
    db.session.flush()
    return tenant


def change_tenant_policy(*, tenant: Tenant, key: str, params: dict | None, actor) -> Tenant:
    """The tenant admin's change of plugin or parameters, on the audit record."""
    from yuqing.audit.operations import record_event

    before = {"plugin": tenant.policy_key, "params": tenant.policy_params}
    choose_policy(tenant=tenant, key=key, params=params)
    record_event(
        "policy.change",
        actor=actor,
        before=before,
        after={"plugin": tenant.policy_key, "params": tenant.policy_params},
    )
    return tenant


def tenant_plugin(tenant: Tenant):
    from yuqing.policy import get_plugin

    if not tenant.policy_key:
        raise ValidationFailed({"plugin": ["本单位尚未选择处置方案插件。"]})
    return get_plugin(tenant.policy_key)


def current_snapshot(tenant: Tenant) -> dict:
    """What a new incident of ``tenant`` keeps: plugin key, version and resolved parameters."""
    plugin = tenant_plugin(tenant)
    return plugin.snapshot(plugin.resolve_params(tenant.policy_params or {}))
