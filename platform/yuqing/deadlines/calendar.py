"""A tenant's working-day calendar and the due time of a deadline rule.

Pure functions over aware datetimes; nothing here touches the database, and only
:func:`local_now` reads the clock. Sources of truth for whether a day is worked, strongest
first:

1. the tenant's override table (admin-edited: date → worked or not);
2. the `holidays` package, for years it has the State Council's 调休 notice for;
3. the built-in table in :mod:`yuqing.deadlines.cn_makeup_days`, for years the installed
   package does not know yet;
4. otherwise the package's statutory holidays alone (weekends off, no make-up workdays), which
   is a guess: :meth:`TenantCalendar.has_makeup_data` is False and
   :meth:`TenantCalendar.calendar_warning` tells the admins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from yuqing.deadlines import cn_makeup_days
from yuqing.policy.rules import Duration, EndOfDay, TimeOfDay, WorkingDays

DEFAULT_TIMEZONE = "Asia/Shanghai"

#: When the clock of a working-day deadline starts if the anchor falls on a day off.
DEFAULT_WORKDAY_START = time(9, 0)

#: Last instant of a local day for 「当日」 deadlines (second precision, see compute_due).
END_OF_DAY = time(23, 59, 59)

#: Safety net for day-by-day loops: an override table marking every day off must raise, not
#: hang a worker.
_MAX_DAYS_SCANNED = 3 * 366


@lru_cache(maxsize=64)
def _package_year(year: int) -> holidays.HolidayBase:
    # The following year is loaded too: its notice may put a make-up workday on this year's
    # last weekend (e.g. 2001-12-29 for 2002's New Year), and older package versions only
    # record such a day once that year is populated.
    return holidays.country_holidays("CN", years=(year, year + 1))


def _package_knows(year: int) -> bool:
    # The package encodes a notice as substituted days off plus their make-up weekend days;
    # every notice since 2001 has at least one make-up day inside its own year, so none means
    # "the installed package has no notice for this year".
    return any(day.year == year for day in _package_year(year).weekend_workdays)


def _require_date(day: date) -> None:
    # datetime is a subclass of date; accepting one would silently drop its time zone.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


class TenantCalendar:
    """Which local days a tenant works, in its own time zone.

    ``overrides`` maps a date to True (worked, e.g. a 调休 day the software misses) or False
    (day off, e.g. a local holiday); it wins over every other source.
    """

    def __init__(
        self,
        timezone: str = DEFAULT_TIMEZONE,
        overrides: Mapping[date, bool] | None = None,
        *,
        workday_start: time = DEFAULT_WORKDAY_START,
    ) -> None:
        #: IANA name, e.g. "Asia/Shanghai"; an unknown name raises here, not at first use.
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        checked: dict[date, bool] = {}
        for day, worked in (overrides or {}).items():
            _require_date(day)
            if not isinstance(worked, bool):
                raise TypeError(f"override for {day} must be a bool, got {worked!r}")
            checked[day] = worked
        #: Read-only copy: a calendar is shared by a tenant's jobs and must not change under them.
        self.overrides: Mapping[date, bool] = MappingProxyType(checked)
        #: Local time a working-day clock starts when the anchor falls on a day off.
        self.workday_start = workday_start

    def __repr__(self) -> str:
        return f"TenantCalendar({self.timezone!r}, overrides={len(self.overrides)} days)"

    # --- days -------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        _require_date(d)
        if d in self.overrides:
            return self.overrides[d]
        if not _package_knows(d.year):
            from_table = cn_makeup_days.is_working_day(d)
            if from_table is not None:
                return from_table
        return _package_year(d.year).is_working_day(d)

    def has_makeup_data(self, year: int) -> bool:
        """Whether this calendar knows the year's 调休 make-up workdays.

        True if the package or the built-in table has the year's notice, or if an admin has
        entered at least one make-up workday (a weekend day marked worked) for that year: the
        override table is where admins put a notice the software does not know yet.
        """
        if _package_knows(year) or year in cn_makeup_days.NOTICES:
            return True
        return any(
            worked and day.year == year and day.weekday() >= 5
            for day, worked in self.overrides.items()
        )

    def calendar_warning(self, today: date) -> str | None:
        """A warning for the admins when working-day deadlines may be computed wrongly.

        The current year's missing data matters at once; next year's from November on, when
        the State Council usually publishes its notice.
        """
        gap = self.calendar_gap(today)
        if gap is None:
            return None
        which, year = gap
        if which == "current":
            return (
                f"系统尚无 {year} 年的调休安排（节假日调休上班日），"
                "按工作日计算的期限可能不准确。请在日历设置中补充调休上班日与放假日期。"
            )
        return (
            f"{year} 年的调休安排尚未录入。国务院办公厅发布 {year} 年节假日安排"
            "通知后，请在日历设置中补充调休上班日与放假日期，或升级节假日数据。"
        )

    def calendar_gap(self, today: date) -> tuple[str, int] | None:
        """What :meth:`calendar_warning` warns about: ``("current", year)`` when this year's
        make-up days are missing, ``("next", year)`` for next year's from November on, else
        ``None`` (the web pages word the warning in the reader's language)."""
        _require_date(today)
        if not self.has_makeup_data(today.year):
            return ("current", today.year)
        next_year = today.year + 1
        if today.month >= 11 and not self.has_makeup_data(next_year):
            return ("next", next_year)
        return None

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        _require_date(d)
        candidate = d
        for _ in range(_MAX_DAYS_SCANNED):
            candidate += timedelta(days=1)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_DAYS_SCANNED} days after {d}")

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself never counts); ``d`` for n=0."""
        _require_date(d)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        result = d
        for _ in range(n):
            result = self.next_working_day(result)
        return result

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``: how many working days ``end`` lies after ``start``.

        The inverse of :meth:`add_working_days`: ``working_days_between(d,
        add_working_days(d, n)) == n``. Negative when ``end`` is before ``start``.
        """
        _require_date(start)
        _require_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            self.is_working_day(start + timedelta(days=offset))
            for offset in range(1, (end - start).days + 1)
        )


# --- times -----------------------------------------------------------------------------------


def local_now(tz: str | ZoneInfo = DEFAULT_TIMEZONE) -> datetime:
    """The current time as an aware datetime in ``tz``; the one place this module reads a clock."""
    return datetime.now(_zone(tz))


def _at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def next_time_of_day(after: datetime, hour: int, minute: int, tz: str | ZoneInfo) -> datetime:
    """The first local ``hour:minute`` in ``tz`` at or after ``after``, in UTC.

    Exactly ``hour:minute:00.000000`` counts as "at", so an anchor at 17:00:00 is due at once;
    any later instant moves to the next day.
    """
    _require_aware(after, "after")
    zone = _zone(tz)
    local_day = after.astimezone(zone).date()
    at = time(hour, minute)
    candidate = _at_local(local_day, at, zone)
    if candidate < after:
        candidate = _at_local(local_day + timedelta(days=1), at, zone)
    return candidate


def compute_due(
    within: Duration | WorkingDays | EndOfDay | TimeOfDay,
    anchor_at: datetime,
    calendar: TenantCalendar,
) -> datetime:
    """When a deadline of rule ``within`` anchored at ``anchor_at`` is due, in UTC.

    - ``Duration``: ``anchor_at + delta`` in elapsed time; nights, weekends and holidays count
      (「2小时内」 from 23:00 is due at 01:00).
    - ``WorkingDays(n)``: the same local time of day as the anchor, on the n-th working day
      after the anchor's local date. If the anchor falls on a day off, the clock starts at
      ``calendar.workday_start`` (09:00) of the next working day and the n days count from
      there (Saturday + 1 working day = Tuesday 09:00). Why not "end of the n-th working
      day": offices close at different hours, and any fixed close (17:30, midnight) gives a
      post received at 08:00 and one received at 16:59 the same due time. "Same time of day"
      makes every working-day deadline exactly n working days long, is never later than the
      end-of-day reading (the platform warns early rather than late), and needs no per-tenant
      office hours.
    - ``EndOfDay``: 23:59:59 local on the anchor's local date (「当日」). Second precision so
      it reads 23:59:59 everywhere; an action in the day's last second is late.
    - ``TimeOfDay(h, m)``: the next local h:m at or after the anchor, in calendar time (a
      「17:00 前」 rule anchored on a Saturday is due that Saturday).

    ``anchor_at`` must be aware (ValueError otherwise); the result is aware, in UTC.
    """
    _require_aware(anchor_at, "anchor_at")
    tz = calendar.tz
    if isinstance(within, Duration):
        # Add in UTC: aware arithmetic in a zone with DST would add wall-clock time.
        return anchor_at.astimezone(UTC) + within.delta
    if isinstance(within, WorkingDays):
        if within.days < 0:
            raise ValueError(f"WorkingDays must not be negative, got {within.days}")
        local = anchor_at.astimezone(tz)
        if calendar.is_working_day(local.date()):
            start_day, start_time = local.date(), local.time()
        else:
            start_day, start_time = calendar.next_working_day(local.date()), calendar.workday_start
        return _at_local(calendar.add_working_days(start_day, within.days), start_time, tz)
    if isinstance(within, EndOfDay):
        return _at_local(anchor_at.astimezone(tz).date(), END_OF_DAY, tz)
    if isinstance(within, TimeOfDay):
        return next_time_of_day(anchor_at, within.hour, within.minute, tz)
    raise TypeError(f"unknown deadline rule {within!r}")
