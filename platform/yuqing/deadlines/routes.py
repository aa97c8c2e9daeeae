"""Web pages: acknowledging a breach, digests, the accountability record, the platform
calendar, and the dashboard panel of the tenant's home page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from yuqing.accounts.access import member_required, platform_admin_required
from yuqing.db_types import utcnow
from yuqing.deadlines import accountability as acc
from yuqing.deadlines.digests import digest_dict, list_digests
from yuqing.deadlines.models import ACCOUNTABILITY_KINDS, FINDING_KINDS, Digest
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope_disabled
from yuqing.web.dashboard import register_panel
from yuqing.web.nav import register_nav

bp = Blueprint("deadlines", __name__)

register_nav("舆情简报", "deadlines.digests", None, order=40)
register_nav("问责记录", "deadlines.accountability", acc.READ_ROLES, order=60)


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    fields = (exc.details or {}).get("fields") or {}
    detail = "；".join(", ".join(m) if isinstance(m, list) else str(m) for m in fields.values())
    flash(f"{exc.message_zh} {detail}".strip(), "error")


@bp.route("/t/<tenant_slug>/deadlines/<int:deadline_id>/acknowledge", methods=["POST"])
@member_required
def acknowledge(deadline_id: int):
    from yuqing.deadlines.operations import acknowledge_deadline, deadline_or_404

    try:
        deadline = acknowledge_deadline(deadline_or_404(deadline_id), actor=g.actor)
        incident_id = deadline.incident_id
        db.session.commit()
        flash("已签收督办，逐级提醒停止。", "success")
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
            flash("问责认定已记录。", "success")
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


# --- the platform calendar -------------------------------------------------------------------------


@bp.route("/admin/calendar", methods=["GET", "POST"])
@platform_admin_required
def calendar_admin():
    from yuqing.deadlines.calendar import TenantCalendar
    from yuqing.deadlines.operations import calendar_overrides
    from yuqing.deadlines.overrides import (
        calendar_warning_for_admins,
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
                flash("日期格式应为 YYYY-MM-DD。", "error")
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
            flash("日历已更新。", "success")
            return redirect(url_for("deadlines.calendar_admin", year=day.year))
        summary = year_summary(year, TenantCalendar("Asia/Shanghai", calendar_overrides()))
        warning = calendar_warning_for_admins()
    return render_template(
        "deadlines/calendar_admin.html", summary=summary, year=year, warning=warning
    )


# --- dashboard -------------------------------------------------------------------------------------


def _dashboard_panel(tenant, actor):
    """Due next, overdue, open incidents by grade and unit, today's digest, calendar warning."""
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa

    from yuqing.deadlines.operations import _local_text, human_duration_zh, upcoming_deadlines
    from yuqing.deadlines.overrides import calendar_warning_for_admins
    from yuqing.incidents.models import OPEN_STATES, Incident
    from yuqing.tenancy.models import Unit

    now = utcnow()
    # People who run the office or lead see every deadline; others see their own roles'.
    sees_all = actor.has_role("office", "leader", "tenant_admin", "auditor")
    upcoming, overdue = upcoming_deadlines(now=now, roles=None if sees_all else actor.roles)

    def row(deadline, title):
        seconds = (deadline.due_at - now).total_seconds()
        return {
            "incident_id": deadline.incident_id,
            "title": title,
            "label_zh": deadline.label_zh,
            "due_local": _local_text(tenant, deadline.due_at),
            "human_zh": ("剩余 " if seconds > 0 else "已超时 ") + human_duration_zh(seconds),
            "escalation_level": deadline.escalation_level,
        }

    open_rows = db.session.execute(
        sa.select(Incident.grade_label, Incident.severity, Unit.name, sa.func.count())
        .outerjoin(Unit, Unit.id == Incident.unit_id)
        .where(Incident.state.in_(OPEN_STATES))
        .group_by(Incident.grade_label, Incident.severity, Unit.name)
        .order_by(Incident.severity.desc(), Unit.name)
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
            {"grade": g_, "severity": s, "unit": u or "未指定单位", "count": c}
            for g_, s, u, c in open_rows
        ],
        "todays_digest": todays,
        "calendar_warning": calendar_warning_for_admins(today=today) if is_admin else None,
    }


register_panel("deadlines", _dashboard_panel)
