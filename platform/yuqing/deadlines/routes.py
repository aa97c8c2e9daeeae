"""Web pages: acknowledging a breach, digests, the accountability record, the platform
calendar, and the dashboard panel of the tenant's home page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from yuqing.accounts.access import member_required, platform_admin_required
from yuqing.db_types import utcnow
from yuqing.deadlines import accountability as acc
from yuqing.deadlines.digests import digest_dict, list_digests
from yuqing.deadlines.models import ACCOUNTABILITY_KINDS, FINDING_KINDS, Digest
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.policy.labels import STAGE_LABELS
from yuqing.tenancy.scope import tenant_scope_disabled
from yuqing.web.dashboard import register_panel
from yuqing.web.nav import register_nav

bp = Blueprint("deadlines", __name__)

register_nav(_l("舆情简报"), "deadlines.digests", None, order=40)
register_nav(_l("问责记录"), "deadlines.accountability", acc.READ_ROLES, order=60)

#: The stage, status and accountability-kind labels come from ``policy/labels.py``,
#: ``operations.STATUS_ZH`` and ``models.ACCOUNTABILITY_KINDS`` (shared with the API, the PDFs
#: and the notifications, so they stay plain Chinese) and are translated when a page is drawn;
#: listed here so that extraction finds them. ``tests/web/test_i18n.py`` checks the catalog.
_RENDER_TIME_MSGIDS = (
    _l("报送"),
    _l("研判定级"),
    _l("上报"),
    _l("交办(舆情联系单)"),
    _l("签收"),
    _l("核实反馈"),
    _l("首次回应"),
    _l("正式回应"),
    _l("处置办结"),
    _l("总结评估"),
    _l("已按时完成"),
    _l("逾期完成"),
    _l("已超时"),
    _l("进行中"),
    _l("迟报"),
    _l("漏报"),
    _l("逾期未核实反馈"),
    _l("逾期未回应"),
    _l("逾期未办理"),
    _l("瞒报"),
    _l("谎报"),
)


def _english() -> bool:
    return str(get_locale()) == "en"


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    fields = (exc.details or {}).get("fields") or {}
    separator = "; " if _english() else "；"
    detail = separator.join(
        ", ".join(m) if isinstance(m, list) else str(m) for m in fields.values()
    )
    message = exc.message_en if _english() else exc.message_zh
    flash(f"{message} {detail}".strip(), "error")


# --- template helpers -----------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """「1天5小时」, or "1 day 5 hours" under the English locale."""
    from yuqing.deadlines.operations import human_duration_en, human_duration_zh

    return human_duration_en(seconds) if _english() else human_duration_zh(seconds)


@bp.app_template_global()
def deadline_human(deadline: dict) -> str:
    """「剩余 14分钟」「已超时 1天5小时」「提前 2小时」「逾期 3小时」 in the reader's language.

    ``deadline``: a ``deadline_dict`` or a dashboard row (``seconds_left``; ``met_at`` if met).
    """
    seconds = deadline["seconds_left"]
    duration = human_duration(seconds)
    if deadline.get("met_at") is not None:
        if seconds >= 0:
            return gettext("提前 %(duration)s", duration=duration)
        return gettext("逾期 %(duration)s", duration=duration)
    if seconds > 0:
        return gettext("剩余 %(duration)s", duration=duration)
    return gettext("已超时 %(duration)s", duration=duration)


@bp.app_template_global()
def deadline_label(deadline: dict) -> str:
    """The rule's label (plugin data): its English form under the English locale, if any."""
    if _english() and deadline.get("label_en"):
        return deadline["label_en"]
    return deadline["label_zh"]


@bp.app_template_global()
def deadline_stage_label(stage: str) -> str:
    return gettext(STAGE_LABELS.get(stage, (stage,))[0])


@bp.app_template_global()
def deadline_status_label(status: str) -> str:
    from yuqing.deadlines.operations import STATUS_ZH

    return gettext(STATUS_ZH.get(status, status))


@bp.app_template_global()
def accountability_kind_label(kind: str) -> str:
    return gettext(ACCOUNTABILITY_KINDS.get(kind, (kind,))[0])


@bp.app_template_global()
def accountability_rule_label(entry: dict) -> str:
    """A finding's rule is its kind; a breach's is the deadline rule's label (plugin data)."""
    if entry.get("rule_label_en"):
        return entry["rule_label_en"]
    if entry["rule_label_zh"] == ACCOUNTABILITY_KINDS.get(entry["kind"], ("",))[0]:
        return accountability_kind_label(entry["kind"])
    return entry["rule_label_zh"]


def calendar_warning_text(today: date | None = None) -> str | None:
    """The platform calendar's warning for the admins, in the reader's language."""
    from yuqing.deadlines.overrides import calendar_gap_for_admins

    gap = calendar_gap_for_admins(today=today)
    if gap is None:
        return None
    which, year = gap
    if which == "current":
        return gettext(
            "系统尚无 %(year)s 年的调休安排（节假日调休上班日），按工作日计算的期限可能不准确。"
            "请在日历设置中补充调休上班日与放假日期。",
            year=year,
        )
    return gettext(
        "%(year)s 年的调休安排尚未录入。国务院办公厅发布 %(year)s 年节假日安排通知后，"
        "请在日历设置中补充调休上班日与放假日期，或升级节假日数据。",
        year=year,
    )


@bp.route("/t/<tenant_slug>/deadlines/<int:deadline_id>/acknowledge", methods=["POST"])
@member_required
def acknowledge(deadline_id: int):
    from yuqing.deadlines.operations import acknowledge_deadline, deadline_or_404

    try:
        deadline = acknowledge_deadline(deadline_or_404(deadline_id), actor=g.actor)
        incident_id = deadline.incident_id
        db.session.commit()
        flash(gettext("已签收督办，逐级提醒停止。"), "success")
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        _flash_error(exc)
        return redirect(url_for("web.tenant_home"))
    return redirect(f"/t/{g.tenant.slug}/incidents/{incident_id}")


# --- digests ------------------------------------------------------------------------------------


@bp.route("/t/<tenant_slug>/digests")
@member_required
def digests():
    rows = [digest_dict(d, g.tenant) for d in list_digests(key=request.args.get("key") or None)]
    return render_template("deadlines/digests.html", digests=rows)


@bp.route("/t/<tenant_slug>/digests/<int:digest_id>")
@member_required
def digest(digest_id: int):
    row = db.session.get(Digest, digest_id)
    if row is None:
        abort(404)
    return render_template("deadlines/digest.html", digest=digest_dict(row, g.tenant))


# --- accountability -------------------------------------------------------------------------------


def _date_arg(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int_arg(source, name: str) -> int | None:
    value = (source.get(name) or "").strip()
    return int(value) if value.isdigit() else None


@bp.route("/t/<tenant_slug>/accountability", methods=["GET", "POST"])
@member_required
def accountability():
    if not acc.can_read(g.actor, g.tenant):
        abort(403)
    may_record = g.actor.has_role(*acc.finding_roles(g.tenant))
    if request.method == "POST":
        if not may_record:
            abort(403)
        try:
            acc.record_finding(
                tenant=g.tenant,
                actor=g.actor,
                kind=request.form.get("kind", ""),
                incident_id=_int_arg(request.form, "incident_id") or 0,
                evidence=request.form.get("evidence", ""),
                unit_id=_int_arg(request.form, "unit_id"),
                person_id=_int_arg(request.form, "person_id"),
            )
            db.session.commit()
            flash(gettext("问责认定已记录。"), "success")
            return redirect(url_for("deadlines.accountability"))
        except DomainError as exc:
            _flash_error(exc)
    filters = {
        "unit_id": _int_arg(request.args, "unit_id"),
        "person_id": _int_arg(request.args, "person_id"),
        "kind": request.args.get("kind") or None,
        "date_from": _date_arg("date_from"),
        "date_to": _date_arg("date_to"),
    }
    if filters["kind"] not in (None, *ACCOUNTABILITY_KINDS):
        filters["kind"] = None
    entries = [acc.entry_dict(e) for e in acc.list_entries(tenant=g.tenant, **filters)]
    if _english():
        _add_rule_labels_en(entries)
    from yuqing.accounts.models import Membership
    from yuqing.tenancy.operations import list_units

    members = db.session.execute(db.select(Membership).order_by(Membership.id)).scalars().all()
    return render_template(
        "deadlines/accountability.html",
        entries=entries,
        filters=filters,
        kinds=ACCOUNTABILITY_KINDS,
        finding_kinds=FINDING_KINDS,
        may_record=may_record,
        units=[{"id": u.id, "name": u.name} for u in list_units()],
        people=[{"id": m.user_id, "name": m.user.name} for m in members],
    )


def _add_rule_labels_en(entries: list[dict]) -> None:
    """The English label of each breached deadline's rule (``rule_label_en``), where known."""
    from yuqing.deadlines.models import Deadline

    ids = {e["deadline_id"] for e in entries if e["deadline_id"]}
    if not ids:
        return
    labels = dict(
        db.session.execute(
            db.select(Deadline.id, Deadline.label_en).where(Deadline.id.in_(ids))
        ).all()
    )
    for entry in entries:
        entry["rule_label_en"] = labels.get(entry["deadline_id"]) or ""


# --- the platform calendar -------------------------------------------------------------------------


@bp.route("/admin/calendar", methods=["GET", "POST"])
@platform_admin_required
def calendar_admin():
    from yuqing.deadlines.calendar import TenantCalendar
    from yuqing.deadlines.operations import calendar_overrides
    from yuqing.deadlines.overrides import (
        delete_override,
        set_override,
        year_summary,
    )

    year = request.values.get("year", type=int) or utcnow().year
    with tenant_scope_disabled():
        if request.method == "POST":
            try:
                day = date.fromisoformat(request.form.get("day", "").strip())
            except ValueError:
                flash(gettext("日期格式应为 YYYY-MM-DD。"), "error")
                return redirect(url_for("deadlines.calendar_admin", year=year))
            if request.form.get("action") == "delete":
                delete_override(day)
            else:
                set_override(
                    day,
                    request.form.get("working") == "1",
                    request.form.get("note", "").strip(),
                    current_user.id,
                )
            db.session.commit()
            flash(gettext("日历已更新。"), "success")
            return redirect(url_for("deadlines.calendar_admin", year=day.year))
        summary = year_summary(year, TenantCalendar("Asia/Shanghai", calendar_overrides()))
        warning = calendar_warning_text()
    return render_template(
        "deadlines/calendar_admin.html", summary=summary, year=year, warning=warning
    )


# --- dashboard -------------------------------------------------------------------------------------


def _dashboard_panel(tenant, actor):
    """Due next, overdue, open incidents by grade and unit, today's digest, calendar warning."""
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa

    from yuqing.deadlines.operations import _local_text, human_duration_zh, upcoming_deadlines
    from yuqing.incidents.models import OPEN_STATES, Incident
    from yuqing.incidents.operations import visible_to
    from yuqing.tenancy.models import Unit

    now = utcnow()
    # People who run the office or lead see every deadline; others see their own roles'.
    sees_all = actor.has_role("office", "leader", "tenant_admin", "auditor")
    upcoming, overdue = upcoming_deadlines(
        now=now, roles=None if sees_all else actor.roles, actor=actor
    )

    def row(deadline, title):
        seconds = (deadline.due_at - now).total_seconds()
        return {
            "incident_id": deadline.incident_id,
            "title": title,
            "label_zh": deadline.label_zh,
            "label_en": deadline.label_en,
            "due_local": _local_text(tenant, deadline.due_at),
            "seconds_left": seconds,
            "human_zh": ("剩余 " if seconds > 0 else "已超时 ") + human_duration_zh(seconds),
            "escalation_level": deadline.escalation_level,
        }

    open_query = (
        sa.select(Incident.grade_label, Incident.severity, Unit.name, sa.func.count())
        .outerjoin(Unit, Unit.id == Incident.unit_id)
        .where(Incident.state.in_(OPEN_STATES))
    )
    if (visible := visible_to(actor)) is not None:
        open_query = open_query.where(visible)
    open_rows = db.session.execute(
        open_query.group_by(Incident.grade_label, Incident.severity, Unit.name).order_by(
            Incident.severity.desc(), Unit.name
        )
    ).all()
    today = now.astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai")).date()
    latest = list_digests(limit=1)
    todays = None
    if latest:
        local_end = latest[0].period_end.astimezone(ZoneInfo(tenant.timezone or "Asia/Shanghai"))
        if local_end.date() == today:
            todays = digest_dict(latest[0], tenant)
    is_admin = actor.has_role("tenant_admin") or getattr(current_user, "is_platform_admin", False)
    return {
        "template": "deadlines/_dashboard_panel.html",
        "upcoming": [row(d, t) for d, t in upcoming],
        "overdue": [row(d, t) for d, t in overdue],
        "open_by_grade_unit": [
            {"grade": g_, "severity": s, "unit": u or gettext("未指定单位"), "count": c}
            for g_, s, u, c in open_rows
        ],
        "todays_digest": todays,
        "calendar_warning": calendar_warning_text(today) if is_admin else None,
    }


register_panel("deadlines", _dashboard_panel)
