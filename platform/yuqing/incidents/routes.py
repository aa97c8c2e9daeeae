"""Incident pages: the list, one incident with the actions this person may take, the manual
report form (报送舆情) and the case library (案例库).

Routes stay thin: parse the form with the lifecycle's schemas, call the operation with
``g.actor``, commit once. Every business rule (roles, states, approvals) lives in
``operations.py``; a refusal comes back as a ``DomainError`` and is shown on the page.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from yuqing.accounts.access import member_required
from yuqing.errors import DomainError, NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.incidents import queries
from yuqing.incidents.charts import metrics_chart
from yuqing.incidents.forms import MEDIA_LEVEL_LABELS, PLATFORM_SUGGESTIONS, ReportForm
from yuqing.incidents.lifecycle import STATEMENT_OPEN_STATES
from yuqing.incidents.models import STATEMENT_KINDS, STATES
from yuqing.incidents.operations import (
    AUTHOR_VISIBLE_ROLES,
    STATE_LABELS,
    PublishRefused,
    acknowledge_slip,
    add_statement_version,
    allowed_actions,
    answer_slip,
    approve_statement,
    create_statement,
    get_slip,
    get_statement,
    get_visible_incident,
    may,
    perform_action,
    plugin_of,
    publish_statement,
    report_incident,
)
from yuqing.incidents.present import case_data, incident_data, slip_data, statement_data
from yuqing.incidents.schemas import (
    ACTION_SCHEMAS,
    CaseQuerySchema,
    IncidentQuerySchema,
    SlipAnswerBody,
    StatementCreateBody,
    StatementVersionBody,
)
from yuqing.policy.labels import ACTION_LABELS, STATEMENT_KIND_LABELS
from yuqing.policy.operations import tenant_plugin
from yuqing.signals.operations import check_may_create, ingest_signal, signal_data
from yuqing.signals.schemas import SignalIn
from yuqing.tenancy.operations import list_units
from yuqing.web.feedback import error_summary, localized_message, translated_fields
from yuqing.web.nav import register_nav

bp = Blueprint("incidents", __name__)

register_nav(_l("舆情事件"), "incidents.index", order=10)
register_nav(_l("报送舆情"), "incidents.new", roles=("monitor", "office"), order=11)
register_nav(_l("案例库"), "incidents.cases", order=20)

#: Labels of the form fields the action and statement schemas take (for error messages).
FIELD_LABELS = {
    "category": _l("舆情分类"),
    "unit": _l("涉事单位"),
    "summary": _l("说明"),
    "instructions": _l("交办要求"),
    "result": _l("核实结果"),
    "outcome": _l("处置结果"),
    "lessons": _l("经验教训"),
    "reason": _l("理由"),
    "grade": _l("目标等级"),
    "authority": _l("移交机关"),
    "recipients": _l("报送对象"),
    "channel": _l("报送方式"),
    "legal_basis": _l("法律依据"),
    "note": _l("备注"),
    "kind": _l("回应类型"),
    "text": _l("回应稿内容"),
    "_schema": _l("输入"),
}
#: The state, action and response-type labels come from ``operations.py`` and
#: ``policy/labels.py`` (shared with the PDFs and error messages, so they stay plain Chinese)
#: and are translated when a page is drawn; listed here so that extraction finds them.
#: ``tests/web/test_i18n.py`` checks that every one of them is in the catalog.
_RENDER_TIME_MSGIDS = (
    # Timeline summaries of events that are not actions (queries._EVENT_SUMMARIES).
    _l("登记舆情"),
    _l("更新指标"),
    _l("指标达标，自动升级"),
    _l("起草回应稿"),
    _l("修改回应稿"),
    _l("审定回应稿"),
    _l("发布回应"),
    _l("发布被拒绝（缺少审定）"),
    _l("已发现"),
    _l("已报送"),
    _l("已研判"),
    _l("已交办"),
    _l("核实中"),
    _l("已核实"),
    _l("已办结"),
    _l("跟踪中"),
    _l("已平息"),
    _l("已总结"),
    _l("已归档"),
    _l("登记舆情"),
    _l("报送"),
    _l("研判定级"),
    _l("交办"),
    _l("签收联系单"),
    _l("反馈核实结果"),
    _l("处置办结"),
    _l("跟踪"),
    _l("确认消除/平稳"),
    _l("总结评估"),
    _l("归档"),
    _l("升级"),
    _l("降级"),
    _l("移交"),
    _l("重新打开"),
    _l("起草回应稿"),
    _l("审定回应稿"),
    _l("发布回应"),
    _l("记录问责认定"),
    _l("首次回应/跟帖"),
    _l("网上回复稿"),
    _l("新闻通稿/发布会口径"),
)
#: Actions shown on the dispatch slip's card rather than among the incident's buttons.
SLIP_ACTIONS = ("acknowledge", "verify")
#: Audit-event fields worth showing in the timeline; anything else stays in the audit log.
TIMELINE_DETAILS = (
    "reason",
    "result",
    "outcome",
    "summary",
    "lessons",
    "authority",
    "legal_basis",
    "category",
    "unit",
    "instructions",
    "note",
)


# --- template helpers ---------------------------------------------------------------------------


@bp.app_template_global()
def safe_href(url: str | None) -> str | None:
    """A link target only for http(s): a post's URL is untrusted input (``javascript:`` …)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@bp.app_template_global()
def state_label(state: str) -> str:
    return gettext(STATE_LABELS.get(state, state))


@bp.app_template_global()
def action_label(action: str) -> str:
    return gettext(ACTION_LABELS.get(action, (action,))[0])


@bp.app_template_global()
def statement_kind_label(kind: str) -> str:
    return gettext(STATEMENT_KIND_LABELS.get(kind, (kind,))[0])


# --- shared plumbing ------------------------------------------------------------------------


def _incident_or_404(incident_id: int, *, for_update: bool = False):
    # Another tenant's incident is simply not found: the scope filters it out; so is one of
    # another unit, for a member who only handles their own unit's items.
    try:
        return get_visible_incident(incident_id, g.actor, for_update=for_update)
    except NotFound:
        abort(404)


def _load(schema_cls, form) -> dict:
    """Parse the posted form with a lifecycle schema; blank inputs count as missing."""
    schema = schema_cls()
    body = {
        name: form.get(name, "").strip() for name in schema.fields if form.get(name, "").strip()
    }
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from exc


def _action_body(action: str, form) -> dict:
    """The posted fields the action's schema knows; the operation validates them."""
    names = ACTION_SCHEMAS[action]().fields
    return {name: form.get(name, "").strip() for name in names if form.get(name, "").strip()}


def _refused(incident_id: int, exc: DomainError, form_name: str):
    """Show a refusal on the incident page with what was typed, under the error's status."""
    if isinstance(exc, PublishRefused):
        # The refused attempt is on the record (「未经批准擅自对外发布」): keep its audit event.
        db.session.commit()
    else:
        db.session.rollback()
    flash(error_summary(exc, field_labels=FIELD_LABELS, action_label=action_label), "error")
    incident = _incident_or_404(incident_id)
    context = _show_context(incident)
    context.update(
        failed_form=form_name,
        values=request.form,
        errors=translated_fields((exc.details or {}).get("fields") or {}),
    )
    return render_template("incidents/show.html", **context), exc.status


def _done(incident_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))


def _deadlines(incident) -> list | None:
    # The deadlines domain is optional for this page: without it the section is left out.
    try:
        from yuqing.deadlines.operations import deadlines_for_incident
    except ImportError:
        return None
    return deadlines_for_incident(incident)


def _metric_series(incident, timeline) -> list[tuple[datetime, int, int]]:
    """(time, views, comments) points: the metrics at creation, then every later snapshot.

    Creation takes no snapshot of its own; its audit event holds the first metrics.
    """
    points = []
    created = next((e for e in timeline if e["kind"] == "incident.create"), None)
    if created is not None:
        first = ((created.get("data") or {}).get("data") or {}).get("metrics") or {}
        points.append((created["at"], first))
    points += [(p.taken_at, p.effective or {}) for p in queries.metric_points(incident)]
    return [
        (at, int(metrics.get("views", 0) or 0), int(metrics.get("comments", 0) or 0))
        for at, metrics in points
    ]


def _event_details(entry: dict, plugin, units: list[dict]) -> list[tuple[str, str]]:
    """The few inputs of an audit event worth reading in the timeline, codes made names."""
    if entry["type"] != "event":
        return []
    data = (entry.get("data") or {}).get("data") or {}
    names = {
        "category": {c.code: c.label_zh for c in plugin.categories},
        "unit": {u["code"]: u["name"] for u in units},
    }
    return [
        (str(FIELD_LABELS[key]), names.get(key, {}).get(data[key], str(data[key])))
        for key in TIMELINE_DETAILS
        if data.get(key)
    ]


def _units() -> list[dict]:
    return [{"code": unit.code, "name": unit.name} for unit in list_units() if unit.is_active]


def _show_context(incident) -> dict:
    actor = g.actor
    plugin = plugin_of(incident)
    data = incident_data(incident, actor)
    statements_open = incident.state in STATEMENT_OPEN_STATES
    grade_rank = [grade.code for grade in plugin.grades].index(incident.grade_code)
    timeline = queries.timeline(incident)
    units = _units()
    return {
        "incident": data,
        "policy_name": plugin.name_zh,
        "actions": [a for a in data["allowed_actions"] if a not in SLIP_ACTIONS],
        "slip_actions": [a for a in data["allowed_actions"] if a in SLIP_ACTIONS],
        "categories": plugin.categories,
        "category_label": next(
            (c.label_zh for c in plugin.categories if c.code == incident.category),
            incident.category,
        ),
        "lower_grades": plugin.grades[:grade_rank],
        "units": units,
        "grade_history": [
            {
                "at": c.at,
                "from_grade": c.from_grade,
                "to_grade": c.to_grade,
                "to_severity": c.to_severity,
                "reason": c.reason,
                "automatic": c.automatic,
                "actor_name": c.actor_name,
            }
            for c in incident.grade_changes
        ],
        "signals": [signal_data(signal, actor) for signal in incident.signals],
        "show_authors": actor.has_role(*AUTHOR_VISIBLE_ROLES),
        "slips": [slip_data(slip) for slip in incident.slips],
        "statements": [statement_data(incident, s) for s in incident.statements],
        "statement_kinds": STATEMENT_KINDS,
        "can_draft": statements_open and may(incident, "draft_statement", actor),
        "can_approve": statements_open and may(incident, "approve_statement", actor),
        "can_publish": statements_open and may(incident, "publish_statement", actor),
        # Every step is an audit event; the slip, statement and grade entries of the API's
        # timeline retell the same steps (the grade card shows the grade history).
        "timeline": [
            {**entry, "details": _event_details(entry, plugin, units)}
            for entry in timeline
            if entry["type"] == "event"
        ],
        "chart": metrics_chart(_metric_series(incident, timeline)),
        "similar": [
            case_data(case.incident, actor, similarity=case.similarity, statements=case.statements)
            for case in queries.similar_cases(incident)
        ],
        "deadlines": _deadlines(incident),
        "failed_form": None,
        "values": {},
        "errors": {},
    }


# --- the list -----------------------------------------------------------------------------


def _args(allowed) -> dict:
    return {
        key: value.strip()
        for key, value in request.args.items()
        if key in allowed and value.strip()
    }


@bp.route("/t/<tenant_slug>/incidents")
@member_required
def index():
    raw = _args(set(IncidentQuerySchema().fields) | {"sort"})
    sort = raw.pop("sort", "discovered_desc")
    try:
        filters = IncidentQuerySchema().load(raw)
    except ValidationError:
        flash(gettext("筛选条件无效，已显示全部舆情。"), "error")
        filters = IncidentQuerySchema().load({})
    result = queries.list_incidents(actor=g.actor, sort=sort, **filters)
    overdue_ids = queries.overdue_incident_ids() or set()
    plugin = tenant_plugin(g.tenant) if g.tenant.policy_key else None
    pages = max(1, -(-result.total // result.per_page))

    def page_url(number: int) -> str:
        return url_for("incidents.index", **{**raw, "sort": sort, "page": number})

    return render_template(
        "incidents/index.html",
        items=[incident_data(incident, None) for incident in result.items],
        overdue_ids=overdue_ids,
        result=result,
        pages=pages,
        page_url=page_url,
        filters=raw,
        sort=sort,
        states=STATES,
        grades=plugin.grades if plugin else (),
        units=_units(),
        overdue_known=queries.overdue_incident_ids() is not None,
    )


# --- one incident ---------------------------------------------------------------------------


@bp.route("/t/<tenant_slug>/incidents/<int:incident_id>")
@member_required
def show(incident_id: int):
    incident = _incident_or_404(incident_id)
    return render_template("incidents/show.html", **_show_context(incident))


@bp.route("/t/<tenant_slug>/incidents/<int:incident_id>/actions/<action>", methods=["POST"])
@member_required
def act(incident_id: int, action: str):
    if action not in ACTION_SCHEMAS:
        abort(404)
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        perform_action(incident, action, actor=g.actor, body=_action_body(action, request.form))
    except DomainError as exc:
        return _refused(incident_id, exc, action)
    return _done(incident_id, gettext("已完成「%(action)s」。", action=action_label(action)))


@bp.route(
    "/t/<tenant_slug>/incidents/<int:incident_id>/slips/<int:slip_id>/acknowledge", methods=["POST"]
)
@member_required
def acknowledge(incident_id: int, slip_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        acknowledge_slip(incident, get_slip(incident, slip_id), actor=g.actor)
    except DomainError as exc:
        return _refused(incident_id, exc, "acknowledge")
    return _done(incident_id, gettext("联系单已签收，请尽快核实并反馈。"))


@bp.route(
    "/t/<tenant_slug>/incidents/<int:incident_id>/slips/<int:slip_id>/answer", methods=["POST"]
)
@member_required
def answer(incident_id: int, slip_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        data = _load(SlipAnswerBody, request.form)
        answer_slip(incident, get_slip(incident, slip_id), actor=g.actor, result=data["result"])
    except DomainError as exc:
        return _refused(incident_id, exc, "verify")
    return _done(incident_id, gettext("核实结果已反馈。"))


@bp.route("/t/<tenant_slug>/incidents/<int:incident_id>/statements", methods=["POST"])
@member_required
def new_statement(incident_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        data = _load(StatementCreateBody, request.form)
        create_statement(incident, actor=g.actor, kind=data["kind"], text=data["text"])
    except DomainError as exc:
        return _refused(incident_id, exc, "statement")
    return _done(incident_id, gettext("回应稿已保存为草稿。"))


@bp.route(
    "/t/<tenant_slug>/incidents/<int:incident_id>/statements/<int:statement_id>/versions",
    methods=["POST"],
)
@member_required
def statement_version(incident_id: int, statement_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        data = _load(StatementVersionBody, request.form)
        statement = get_statement(incident, statement_id)
        add_statement_version(incident, statement, actor=g.actor, text=data["text"])
    except DomainError as exc:
        return _refused(incident_id, exc, f"version-{statement_id}")
    return _done(incident_id, gettext("已保存新版本；此前的审定不再适用于新版本。"))


@bp.route(
    "/t/<tenant_slug>/incidents/<int:incident_id>/statements/<int:statement_id>/approve",
    methods=["POST"],
)
@member_required
def statement_approve(incident_id: int, statement_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        approve_statement(incident, get_statement(incident, statement_id), actor=g.actor)
    except DomainError as exc:
        return _refused(incident_id, exc, f"statement-{statement_id}")
    return _done(incident_id, gettext("已审定当前版本。"))


@bp.route(
    "/t/<tenant_slug>/incidents/<int:incident_id>/statements/<int:statement_id>/publish",
    methods=["POST"],
)
@member_required
def statement_publish(incident_id: int, statement_id: int):
    incident = _incident_or_404(incident_id, for_update=True)
    try:
        publish_statement(incident, get_statement(incident, statement_id), actor=g.actor)
    except DomainError as exc:
        return _refused(incident_id, exc, f"statement-{statement_id}")
    return _done(incident_id, gettext("回应已发布，内容已锁定。"))


# --- manual report ----------------------------------------------------------------------------


@bp.route("/t/<tenant_slug>/incidents/new", methods=["GET", "POST"])
@member_required
def new():
    try:
        check_may_create(g.actor, g.tenant)
    except DomainError:
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            data = _load_signal(form)
            result = ingest_signal(actor=g.actor, **data)
            incident = result.incident
            if (
                result.created
                and form.report_now.data
                and "report" in allowed_actions(incident, g.actor)
            ):
                report_incident(incident, actor=g.actor)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.attach_errors(translated_fields((exc.details or {}).get("fields") or {}))
            flash(localized_message(exc), "error")
        else:
            flash(_ingest_message(result), "success")
            return redirect(url_for("incidents.show", incident_id=result.incident.id))
    elif form.is_submitted():
        flash(gettext("报送内容有误，请按提示修改后重新提交。"), "error")
    status = 422 if form.is_submitted() else 200
    return render_template(
        "incidents/new.html",
        form=form,
        platforms=PLATFORM_SUGGESTIONS,
        media_labels=MEDIA_LEVEL_LABELS,
    ), status


def _load_signal(form: ReportForm) -> dict:
    # The API's schema decides what a post is, so the web cannot accept what the API refuses.
    try:
        return SignalIn().load(form.signal_body())
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from exc


def _ingest_message(result) -> str:
    if result.created:
        return gettext("已登记为新的舆情事件。")
    if result.duplicate:
        return gettext("该帖文与正在处置的舆情属于同一事件，已并入（重复计数 +1）。")
    return gettext("该帖文此前已登记，已更新其指标。")


# --- case library -----------------------------------------------------------------------------


@bp.route("/t/<tenant_slug>/cases")
@member_required
def cases():
    raw = _args(set(CaseQuerySchema().fields))
    try:
        filters = CaseQuerySchema().load(raw)
    except ValidationError:
        flash(gettext("筛选条件无效，已显示全部案例。"), "error")
        filters = CaseQuerySchema().load({})
    plugin = tenant_plugin(g.tenant) if g.tenant.policy_key else None
    found = queries.search_cases(**filters)
    return render_template(
        "incidents/cases.html",
        cases=[case_data(incident, None) for incident in found],
        filters=raw,
        categories=plugin.categories if plugin else (),
        grades=plugin.grades if plugin else (),
        units=_units(),
    )
