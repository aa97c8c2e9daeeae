"""The English catalog: complete, and actually used by the pages.

The msgids are the Chinese strings. After adding or changing one, re-extract and update::

    pybabel extract -F babel.cfg -k _l -k gettext -k lazy_gettext -k ngettext:1,2 \\
        -o platform/yuqing/translations/messages.pot .
    pybabel update -i platform/yuqing/translations/messages.pot \\
        -d platform/yuqing/translations -l en

then translate the new entries in ``translations/en/LC_MESSAGES/messages.po``: the first tests
fail while any message is untranslated or fuzzy. (The ``.mo`` is compiled by ``make setup``, and
by ``tests/conftest.py`` when it is missing or stale.)
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

import yuqing
from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from yuqing.db_types import utcnow
from yuqing.deadlines.digests import build_due_digests
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope

PO_PATH = Path(yuqing.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def catalog():
    with PO_PATH.open("rb") as po_file:
        return read_po(po_file, locale="en")


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


# --- the catalog ------------------------------------------------------------------------------


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    messages = [m for m in catalog if m.id]
    assert messages, "the English catalog is empty"
    untranslated = [m.id for m in messages if not all(_strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy: {fuzzy}"
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"


def test_translations_keep_their_placeholders(catalog):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_labels_translated_when_drawn_are_in_the_catalog(catalog, app):
    """State, action, response-type, stage, deadline-status, accountability, notification and
    delivery labels, field names and nav entries are looked up with
    ``gettext(variable)``: extraction cannot see them, so check them against the catalog."""
    from yuqing.deadlines.models import ACCOUNTABILITY_KINDS
    from yuqing.deadlines.operations import STATUS_ZH
    from yuqing.incidents.operations import STATE_LABELS
    from yuqing.incidents.routes import FIELD_LABELS
    from yuqing.notifications.models import NOTIFICATION_KINDS
    from yuqing.notifications.routes import DELIVERY_STATUS_ZH
    from yuqing.policy.labels import ACTION_LABELS, STAGE_LABELS, STATEMENT_KIND_LABELS
    from yuqing.web.nav import _entries

    msgids = {m.id for m in catalog if m.id}
    # Lazy labels give back their msgid in the default (Chinese) locale.
    with app.test_request_context("/"):
        wanted = {
            *STATE_LABELS.values(),
            *(zh for zh, _en in ACTION_LABELS.values()),
            *(zh for zh, _en in STATEMENT_KIND_LABELS.values()),
            *(zh for zh, _en in STAGE_LABELS.values()),
            *(zh for zh, _en in ACCOUNTABILITY_KINDS.values()),
            *STATUS_ZH.values(),
            *NOTIFICATION_KINDS.values(),
            *DELIVERY_STATUS_ZH.values(),
            *(str(label) for label in FIELD_LABELS.values()),
            *(str(entry.label) for entry in _entries.values()),
        }
    missing = sorted(label for label in wanted if CJK.search(label) and label not in msgids)
    assert missing == []


# --- the pages --------------------------------------------------------------------------------


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, f"no {pattern!r} in the page"
    return match.group(0)


def test_login_page_in_english(client):
    page = client.get("/login?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    main = _section(html, r"<main>.*</main>")
    assert "Sign in to the Incident Response Platform" in main
    assert "Email" in main and "Password" in main
    assert not CJK.search(main), CJK.findall(main)


def test_wrong_password_message_in_english(client, make):
    user = make.user(make.tenant("en-login"))
    token = csrf_token_from(client.get("/login?lang=en").get_data(as_text=True))
    html = client.post(
        "/login?lang=en", data={"email": user.email, "password": "wrong", "csrf_token": token}
    ).get_data(as_text=True)
    assert "Incorrect email or password" in html
    assert "Please enter" not in html  # both fields were given


def test_member_pages_in_english_after_choosing_it(client, make):
    tenant = make.tenant("anping-en", name="安平镇人民政府")
    user = make.user(tenant, roles=["monitor"], name="王信息员")
    make.incident(tenant, title="某小区供暖不足", state="reported")
    assert login(client, user.email, PASSWORD).status_code == 302
    home = client.get("/t/anping-en/").get_data(as_text=True)
    assert 'lang="zh-CN"' in home
    switched = client.post(
        "/lang/en", data={"csrf_token": csrf_token_from(home), "next": "/t/anping-en/"}
    )
    assert switched.status_code == 302

    for path in ("/t/anping-en/", "/t/anping-en/incidents"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert '<html lang="en">' in html, path
        nav = _section(html, r'<nav class="tenant-nav">.*?</nav>')
        labels = re.findall(r"<a [^>]*>([^<]*)</a>", nav)
        assert {"Home", "Incidents", "Report incident", "Case library"} <= set(labels), labels
        assert not [label for label in labels if CJK.search(label)], labels
        # The tenant's and the person's names are data; the rest of the bar is chrome.
        user_nav = _section(html, r'<div class="user-nav">.*?</div>')
        assert "Switch organization" in user_nav and "Sign out" in user_nav
        chrome = user_nav.replace(user.name, "").replace(">中文<", "><")  # the other language
        assert not CJK.search(chrome), CJK.findall(chrome)

    listing = client.get("/t/anping-en/incidents").get_data(as_text=True)
    assert "某小区供暖不足" in listing  # data stays as entered
    assert "Reported" in listing and "已报送" not in listing
    assert "Status" in listing and "Involved unit" in listing


def _without(html: str, data) -> str:
    """``html`` without the data it shows (titles, names, plugin wording, generated text)."""
    for value in sorted({str(v) for v in data if v}, key=len, reverse=True):
        html = html.replace(str(escape(value)), "").replace(value, "")
    return html


def test_deadline_and_notification_pages_in_english(client, make):
    """The dashboard's deadline panels, the accountability record and the inbox: English chrome
    (durations and statuses included) around the data, which stays as entered."""
    from yuqing.deadlines import operations as ops
    from yuqing.deadlines.models import AccountabilityEntry, Deadline, Digest
    from yuqing.incidents.models import Incident
    from yuqing.notifications.models import Notification

    tenant = make.tenant("anping-dl", name="安平镇人民政府", plugin="school")
    unit = make.unit(tenant, "G7", "七年级组")
    user = make.user(tenant, roles=["office", "tenant_admin"], name="王主任", unit=unit)
    now = utcnow()
    incident_id = make.deadline_incident(
        tenant,
        unit=unit,
        title="某校食堂饭菜质量引发家长关注",
        discovered_at=now - timedelta(hours=6),
    )
    fresh_id = make.deadline_incident(
        tenant, unit=unit, title="某校门口交通拥堵", discovered_at=now
    )
    with tenant_scope(tenant.id):
        ops.sync_deadlines(db.session.get(Incident, fresh_id), now=now)
        incident = db.session.get(Incident, incident_id)
        rows = {row.stage: row for row in ops.sync_deadlines(incident, now=now)}
        ops.breach_deadline(rows["holding_reply"].id, now=now)
        build_due_digests(db.session.get(Tenant, tenant.id), now=now)
        db.session.commit()
    make.report_digest(tenant)

    assert login(client, user.email, PASSWORD).status_code == 302
    home = client.get("/t/anping-dl/").get_data(as_text=True)
    assert "已超时" in home and "即将到期" in home  # Chinese first
    client.post("/lang/en", data={"csrf_token": csrf_token_from(home), "next": "/t/anping-dl/"})

    with tenant_scope(tenant.id):
        data = [tenant.name, user.name, unit.name, incident.grade_label]
        data += [row.title for row in db.session.execute(db.select(Incident)).scalars()]
        for row in db.session.execute(db.select(Deadline)).scalars():
            data += [row.rule_source]
        for digest in db.session.execute(db.select(Digest)).scalars():
            data += [digest.label_zh, digest.rule_source]
            data += [str(value) for item in digest.items for value in item.values()]
        entries = db.session.execute(db.select(AccountabilityEntry)).scalars().all()
        for entry in entries:
            data += [entry.rule_source, entry.evidence, entry.created_by_name]
        notes = (
            db.session.execute(db.select(Notification).where(Notification.user_id == user.id))
            .scalars()
            .all()
        )
        for note in notes:
            data += [note.title, *note.body.splitlines()]
    assert entries and notes, "the breach should leave an entry and a notification"

    home = client.get("/t/anping-dl/").get_data(as_text=True)
    assert '<html lang="en">' in home
    panels = _section(home, r'<div class="panels">.*</div>')
    assert re.search(r"Overdue \(\d+\)", panels) and "Due soon" in panels and "Inbox" in panels
    assert re.search(r"overdue by \d+ (hour|minute)", panels), panels
    assert re.search(r"\d+ (hours?|minutes?|days?)( \d+ (hours?|minutes?))? left", panels)
    deadline_panels = _section(panels, r'id="panel-overdue">.*id="panel-open"')
    assert "剩余" not in deadline_panels and "已超时" not in deadline_panels
    chrome = _without(_section(home, r"<main>.*</main>"), data)
    assert not CJK.search(chrome), CJK.findall(chrome)

    page = client.get(f"/t/anping-dl/incidents/{incident_id}").get_data(as_text=True)
    table = _section(page, r'<section class="card deadlines".*?</section>')
    assert "Holding reply" in table and "Overdue (overdue by" in table
    assert "Acknowledge escalation" in table
    chrome = _without(table, data)
    assert not CJK.search(chrome), CJK.findall(chrome)

    for path, words in (
        ("/t/anping-dl/accountability", ("Accountability records", "Missed response")),
        ("/t/anping-dl/inbox", ("Inbox", "Deadline overdue", "Mark as read")),
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        main = _section(page.get_data(as_text=True), r"<main>.*</main>")
        for word in words:
            assert word in main, (path, word)
        chrome = _without(main, data)
        assert not CJK.search(chrome), (path, CJK.findall(chrome))

    # The API keeps its Chinese fields whatever the page language.
    from yuqing.deadlines.operations import deadline_dict

    with tenant_scope(tenant.id):
        row = db.session.get(Deadline, rows["holding_reply"].id)
        shown = deadline_dict(row, tenant, now)
    assert shown["status_zh"] == "已超时" and shown["human_zh"].startswith("已超时 ")
