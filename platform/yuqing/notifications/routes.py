"""Web pages: the inbox, notification settings, webhooks and the delivery log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from yuqing.accounts.access import member_required, roles_required
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.notifications import operations as ops
from yuqing.notifications.models import NOTIFICATION_KINDS, Delivery
from yuqing.notifications.transports import WEBHOOK_FORMATS, parse_hhmm
from yuqing.web.dashboard import register_panel
from yuqing.web.nav import register_nav

bp = Blueprint("notifications", __name__)

ADMIN = ("tenant_admin",)
register_nav(_l("收件箱"), "notifications.inbox", None, order=5)
register_nav(_l("通知设置"), "notifications.settings", None, order=90)
register_nav(_l("Webhook"), "notifications.webhooks", ADMIN, order=83)
register_nav(_l("投递记录"), "notifications.deliveries", ADMIN, order=84)

DELIVERY_STATUS_ZH = {
    "pending": "待发送",
    "retrying": "等待重试",
    "deferred": "免打扰延后",
    "sending": "发送中",
    "delivered": "已送达",
    "failed": "失败",
}

#: The notification kinds (``models.NOTIFICATION_KINDS``) and the delivery states above stay
#: plain Chinese (the webhooks and the API carry them) and are translated when a page is drawn;
#: listed here so that extraction finds them. ``tests/web/test_i18n.py`` checks the catalog.
_RENDER_TIME_MSGIDS = (
    _l("期限预警"),
    _l("期限超时"),
    _l("逐级督办"),
    _l("舆情简报"),
    _l("问责认定"),
    _l("投递失败"),
    _l("待发送"),
    _l("等待重试"),
    _l("免打扰延后"),
    _l("发送中"),
    _l("已送达"),
    _l("失败"),
)


@bp.app_template_global()
def notification_kind_label(kind: str) -> str:
    return gettext(NOTIFICATION_KINDS.get(kind, kind))


@bp.app_template_global()
def delivery_status_label(status: str) -> str:
    return gettext(DELIVERY_STATUS_ZH.get(status, status))


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    fields = (exc.details or {}).get("fields") or {}
    english = str(get_locale()) == "en"
    detail = ("; " if english else "；").join(
        ", ".join(m) if isinstance(m, list) else str(m) for m in fields.values()
    )
    message = exc.message_en if english else exc.message_zh
    flash(f"{message} {detail}".strip(), "error")


@bp.route("/t/<tenant_slug>/inbox")
@member_required
def inbox():
    unread_only = request.args.get("unread") == "1"
    rows = ops.inbox(current_user.id, unread_only=unread_only)
    return render_template(
        "notifications/inbox.html",
        notifications=rows,
        unread=ops.unread_count(current_user.id),
        unread_only=unread_only,
        kinds=NOTIFICATION_KINDS,
    )


@bp.route("/t/<tenant_slug>/inbox/read", methods=["POST"])
@member_required
def mark_read():
    notification_id = request.form.get("id", type=int)
    ops.mark_read(current_user.id, notification_id)
    db.session.commit()
    target = request.form.get("next") or ""
    # Only paths inside this tenant: the form field must not become an open redirect.
    if target.startswith(f"/t/{g.tenant.slug}/"):
        return redirect(target)
    return redirect(url_for("notifications.inbox"))


@bp.route("/t/<tenant_slug>/settings/notifications", methods=["GET", "POST"])
@member_required
def settings():
    from yuqing.accounts.models import User

    user = db.session.get(User, current_user.id)
    if request.method == "POST":
        start = request.form.get("quiet_start", "").strip() or None
        end = request.form.get("quiet_end", "").strip() or None
        try:
            for value in (start, end):
                if value:
                    parse_hhmm(value)
        except ValueError:
            flash(gettext("免打扰时段须为 HH:MM 格式，例如 22:00。"), "error")
            return redirect(url_for("notifications.settings"))
        user.quiet_start, user.quiet_end = start, end
        ops.set_email_enabled(current_user.id, request.form.get("email_enabled") == "1")
        db.session.commit()
        flash(gettext("通知设置已保存。"), "success")
        return redirect(url_for("notifications.settings"))
    pref = db.session.execute(
        db.select(ops.NotificationPreference).where(
            ops.NotificationPreference.user_id == current_user.id
        )
    ).scalar_one_or_none()
    return render_template(
        "notifications/settings.html", user=user, email_enabled=pref is None or pref.email_enabled
    )


@bp.route("/t/<tenant_slug>/admin/webhooks", methods=["GET", "POST"])
@roles_required(*ADMIN)
def webhooks():
    from yuqing.notifications.models import NotificationChannel

    if request.method == "POST":
        try:
            ops.save_channel(
                name=request.form.get("name", ""),
                url=request.form.get("url", ""),
                format=request.form.get("format", "json"),
                secret=request.form.get("secret", "").strip() or None,
                kinds=request.form.getlist("kinds"),
                is_active=request.form.get("is_active") == "1",
            )
            db.session.commit()
            flash(gettext("Webhook 已保存。"), "success")
            return redirect(url_for("notifications.webhooks"))
        except DomainError as exc:
            _flash_error(exc)
    channels = (
        db.session.execute(db.select(NotificationChannel).order_by(NotificationChannel.id))
        .scalars()
        .all()
    )
    return render_template(
        "notifications/webhooks.html",
        channels=channels,
        formats=WEBHOOK_FORMATS,
        kinds=NOTIFICATION_KINDS,
    )


@bp.route("/t/<tenant_slug>/admin/deliveries")
@roles_required(*ADMIN)
def deliveries():
    status = request.args.get("status") or None
    if status not in (None, *DELIVERY_STATUS_ZH):
        status = None
    return render_template(
        "notifications/deliveries.html",
        deliveries=ops.list_deliveries(status=status),
        status=status,
        status_zh=DELIVERY_STATUS_ZH,
    )


@bp.route("/t/<tenant_slug>/admin/deliveries/<int:delivery_id>/retry", methods=["POST"])
@roles_required(*ADMIN)
def retry(delivery_id: int):
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        abort(404)
    ops.retry_delivery(delivery)
    db.session.commit()
    flash(gettext("已重新发送。"), "success")
    return redirect(url_for("notifications.deliveries"))


def _inbox_panel(tenant, actor):
    if actor.user_id is None:
        return None
    return {
        "template": "notifications/_dashboard_panel.html",
        "unread": ops.unread_count(actor.user_id),
        "latest": [
            {
                "title": n.title,
                "url": n.url,
                "created_at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in ops.inbox(actor.user_id, unread_only=True, limit=5)
        ],
    }


register_panel("inbox", _inbox_panel)
