"""``/api/v1/me``: who the key is, for integrators checking their set-up."""

from flask import g
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors

blp = Blueprint("meta", __name__, url_prefix="/api/v1", description="API key introspection")
blueprints = [blp]


@blp.route("/me")
@blp.response(200)
@document_errors(blp)
def me():
    """The tenant and roles of the calling API key."""
    return {"tenant": g.tenant.slug, "roles": sorted(g.actor.roles), "key": g.api_key.name}
