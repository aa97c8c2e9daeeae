"""The tenant admin's choice of policy plugin and its parameters, and a read-only view for all."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from yuqing.accounts.access import member_required, roles_required
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.policy import all_plugins, get_plugin
from yuqing.policy.operations import change_tenant_policy
from yuqing.web.feedback import localized_message
from yuqing.web.nav import register_nav

bp = Blueprint("policy", __name__)

register_nav(_l("处置方案"), "policy.show", order=70)


def parse_param_form(plugin, form) -> dict:
    """Turn the posted form into raw parameters; the plugin's schema does the validation."""
    raw: dict = {}
    for param in plugin.describe()["params"]:
        name = param["name"]
        if isinstance(param["default"], bool):
            raw[name] = form.get(f"param-{name}") == "on"
        elif isinstance(param["default"], list):
            if f"param-{name}" not in form:
                continue
            text = form.get(f"param-{name}", "")
            raw[name] = [
                item.strip() for item in text.replace("，", ",").split(",") if item.strip()
            ]
        elif f"param-{name}" in form:
            raw[name] = form.get(f"param-{name}", "").strip()
    return raw


@bp.route("/t/<tenant_slug>/policy")
@member_required
def show():
    tenant = g.tenant
    plugin = get_plugin(tenant.policy_key) if tenant.policy_key else None
    description = plugin.describe(tenant.policy_params) if plugin else None
    return render_template(
        "policy/show.html",
        plugin=plugin,
        description=description,
        can_edit=g.actor.has_role("tenant_admin"),
    )


@bp.route("/t/<tenant_slug>/admin/policy", methods=["GET", "POST"])
@roles_required("tenant_admin")
def edit():
    tenant = g.tenant
    chosen_key = request.values.get("plugin") or tenant.policy_key
    plugins = all_plugins()
    if chosen_key and chosen_key not in {p.key for p in plugins}:
        abort(404)
    plugin = get_plugin(chosen_key) if chosen_key else None
    field_errors: dict = {}
    current = tenant.policy_params if plugin and plugin.key == tenant.policy_key else None
    submitted: dict = {}
    if request.method == "POST" and plugin is not None:
        raw = parse_param_form(plugin, request.form)
        try:
            change_tenant_policy(tenant=tenant, key=plugin.key, params=raw, actor=g.actor)
            db.session.commit()
            flash(gettext("处置方案已保存。新的规则只适用于此后新建的舆情事件。"), "success")
            return redirect(url_for("policy.show"))
        except DomainError as exc:
            db.session.rollback()
            field_errors = (exc.details or {}).get("fields", {})
            flash(localized_message(exc), "error")
            submitted = raw
    params = plugin.describe(current)["params"] if plugin else []
    # Show what the admin typed, not the stored value, so a mistake costs no retyping.
    for param in params:
        if param["name"] in submitted:
            param["value"] = submitted[param["name"]]
    return render_template(
        "policy/edit.html", plugins=plugins, plugin=plugin, params=params, field_errors=field_errors
    )
