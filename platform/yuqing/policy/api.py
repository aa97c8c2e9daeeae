"""``/api/v1/policy``: the tenant's plugin, its parameters, and the installed plugins."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from yuqing.api.schemas import document_errors
from yuqing.errors import Forbidden
from yuqing.extensions import db
from yuqing.policy import all_plugins
from yuqing.policy.operations import change_tenant_policy, current_snapshot

blp = Blueprint(
    "policy_api",
    __name__,
    url_prefix="/api/v1/policy",
    description="The tenant's policy plugin (处置方案)",
)
blueprints = [blp]


class PolicyChoiceSchema(Schema):
    plugin = fields.String(required=True)
    params = fields.Dict(load_default=dict)


class PolicySnapshotSchema(Schema):
    key = fields.String()
    version = fields.String()
    params = fields.Dict()


@blp.route("")
@blp.response(200, PolicySnapshotSchema)
@document_errors(blp)
def current_policy():
    """The snapshot new incidents of this tenant will keep: plugin key, version, parameters."""
    return current_snapshot(g.tenant)


@blp.route("", methods=["PUT"])
@blp.arguments(PolicyChoiceSchema)
@blp.response(200, PolicySnapshotSchema)
@document_errors(blp, 403)
def change_policy(body):
    """Choose the plugin and set its parameters (tenant admins). Applies to new incidents only."""
    if not g.actor.has_role("tenant_admin"):
        raise Forbidden(
            "只有本单位管理员可以更改处置方案。", "Only the tenant admin can change the policy."
        )
    change_tenant_policy(tenant=g.tenant, key=body["plugin"], params=body["params"], actor=g.actor)
    db.session.commit()
    return current_snapshot(g.tenant)


@blp.route("/plugins")
@blp.response(200)
@document_errors(blp)
def installed_plugins():
    """Every installed plugin with everything it declares (Chinese labels)."""
    return {"items": [plugin.describe() for plugin in all_plugins()]}
