"""``/api/v1``: the delivery log and webhooks, for tenant administrators."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from yuqing.api.schemas import document_errors
from yuqing.errors import Forbidden, NotFound
from yuqing.extensions import db
from yuqing.notifications.models import Delivery, NotificationChannel
from yuqing.notifications.operations import list_deliveries, retry_delivery, save_channel
from yuqing.notifications.schemas import ChannelSchema, DeliveryQuerySchema, DeliverySchema

blp = Blueprint(
    "notifications_api", __name__, url_prefix="/api/v1", description="Delivery log and webhooks"
)
blueprints = [blp]

ADMIN = ("tenant_admin",)


def _require_admin() -> None:
    if not g.actor.has_role(*ADMIN):
        raise Forbidden("仅租户管理员可操作。", "Tenant administrators only.")


@blp.route("/deliveries")
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliverySchema(many=True))
@document_errors(blp)
def deliveries(args):
    """E-mail and webhook deliveries with their status, attempts and last error."""
    _require_admin()
    return list_deliveries(**args)


@blp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@blp.response(200, DeliverySchema)
@document_errors(blp, 404, 403)
def retry(delivery_id: int):
    _require_admin()
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("投递记录不存在。", "No such delivery.")
    retry_delivery(delivery)
    db.session.commit()
    return delivery


@blp.route("/webhooks")
@blp.response(200, ChannelSchema(many=True))
@document_errors(blp)
def webhooks():
    _require_admin()
    return (
        db.session.execute(db.select(NotificationChannel).order_by(NotificationChannel.id))
        .scalars()
        .all()
    )


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(ChannelSchema)
@blp.response(201, ChannelSchema)
@document_errors(blp, 403)
def webhook_save(args):
    """Create or update (by name) a webhook: generic JSON, WeCom or DingTalk."""
    _require_admin()
    channel = save_channel(**args)
    db.session.commit()
    return channel
