"""The platform-wide calendar override table: edit, import a year's list, show a year.

Import formats (one year's State Council notice, or local corrections):

* CSV with a header ``date,working,note`` (``working``: 上班/工作日/working/work/1/true or
  放假/休息/off/holiday/0/false);
* TOML: ``[[day]]`` tables with ``date = 2027-02-07``, ``working = true`` and ``note``.
"""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from yuqing.db_types import utcnow
from yuqing.deadlines.calendar import TenantCalendar
from yuqing.deadlines.models import CalendarOverride
from yuqing.errors import ValidationFailed
from yuqing.extensions import db

_WORKING = {"上班", "工作日", "working", "work", "1", "true", "yes", "workday"}
_OFF = {"放假", "休息", "off", "holiday", "0", "false", "no", "rest"}


def _parse_working(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _WORKING:
        return True
    if text in _OFF:
        return False
    raise ValueError(f"无法识别的取值 {value!r}（应为 上班/放假、working/off）")


def _parse_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def parse_override_file(path: Path) -> list[tuple[date, bool, str]]:
    """Rows of a CSV or TOML file; raises ValidationFailed naming the bad line."""
    text = path.read_text(encoding="utf-8-sig")
    rows: list[tuple[date, bool, str]] = []
    errors: dict[str, list[str]] = {}
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValidationFailed({"file": [f"TOML 格式错误：{exc}"]}) from exc
        for index, item in enumerate(data.get("day", []), start=1):
            try:
                rows.append(
                    (
                        _parse_date(item["date"]),
                        _parse_working(item["working"]),
                        str(item.get("note", "")),
                    )
                )
            except (KeyError, ValueError) as exc:
                errors[f"day[{index}]"] = [str(exc)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"date", "working"} <= set(reader.fieldnames):
            raise ValidationFailed({"file": ["CSV 须有表头 date,working,note。"]})
        for line, item in enumerate(reader, start=2):
            try:
                rows.append(
                    (
                        _parse_date(item["date"]),
                        _parse_working(item["working"]),
                        (item.get("note") or "").strip(),
                    )
                )
            except ValueError as exc:
                errors[f"line {line}"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors, "日历文件有误。", "The calendar file is invalid.")
    return rows


def set_override(
    day: date, is_working_day: bool, note: str = "", user_id: int | None = None
) -> CalendarOverride:
    row = db.session.execute(
        sa.select(CalendarOverride).where(CalendarOverride.day == day)
    ).scalar_one_or_none()
    if row is None:
        row = CalendarOverride(day=day)
        db.session.add(row)
    row.is_working_day = is_working_day
    row.note = note[:200]
    row.updated_by_id = user_id
    row.updated_at = utcnow()
    db.session.flush()
    return row


def delete_override(day: date) -> bool:
    row = db.session.execute(
        sa.select(CalendarOverride).where(CalendarOverride.day == day)
    ).scalar_one_or_none()
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def import_overrides(rows: list[tuple[date, bool, str]], user_id: int | None = None) -> int:
    for day, worked, note in rows:
        set_override(day, worked, note, user_id)
    return len(rows)


def list_overrides(year: int | None = None) -> list[CalendarOverride]:
    query = sa.select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    return list(db.session.execute(query).scalars())


def year_summary(year: int, calendar: TenantCalendar) -> dict:
    """What the platform believes about a year: days off on weekdays, worked weekends."""
    day = date(year, 1, 1)
    weekday_off, weekend_worked = [], []
    while day.year == year:
        worked = calendar.is_working_day(day)
        if day.weekday() < 5 and not worked:
            weekday_off.append(day)
        elif day.weekday() >= 5 and worked:
            weekend_worked.append(day)
        day += timedelta(days=1)
    return {
        "year": year,
        "has_makeup_data": calendar.has_makeup_data(year),
        "weekday_days_off": weekday_off,
        "weekend_workdays": weekend_worked,
        "overrides": {o.day: (o.is_working_day, o.note) for o in list_overrides(year)},
    }


def calendar_warning_for_admins(*, today: date | None = None, timezone: str = "Asia/Shanghai"):
    """The warning of the platform calendar for ``today`` (None when nothing is missing)."""
    from zoneinfo import ZoneInfo

    from yuqing.deadlines.operations import calendar_overrides

    calendar = TenantCalendar(timezone, calendar_overrides())
    today = today or utcnow().astimezone(ZoneInfo(timezone)).date()
    return calendar.calendar_warning(today)


def calendar_gap_for_admins(*, today: date | None = None, timezone: str = "Asia/Shanghai"):
    """:meth:`TenantCalendar.calendar_gap` of the platform calendar for ``today``."""
    from zoneinfo import ZoneInfo

    from yuqing.deadlines.operations import calendar_overrides

    calendar = TenantCalendar(timezone, calendar_overrides())
    today = today or utcnow().astimezone(ZoneInfo(timezone)).date()
    return calendar.calendar_gap(today)
