"""Working-day calendar and due times.

Every test uses fixed anchors and fixed "today" dates, so nothing depends on when it runs.
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import pytest

from yuqing.deadlines import calendar as calendar_module
from yuqing.deadlines import cn_makeup_days
from yuqing.deadlines.calendar import (
    TenantCalendar,
    compute_due,
    local_now,
    next_time_of_day,
)
from yuqing.policy.rules import Duration, EndOfDay, TimeOfDay, WorkingDays

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def cn() -> TenantCalendar:
    return TenantCalendar()


@pytest.fixture
def unknown_year(cn: TenantCalendar) -> int:
    """The first year from 2027 on whose 调休 notice the software does not know."""
    return next(year for year in count(2027) if not cn.has_makeup_data(year))


# --- the 2026 notice: package, built-in table, and the days themselves ------------------------


MAKEUP_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


@pytest.mark.parametrize("day", MAKEUP_2026, ids=str)
def test_2026_makeup_weekend_days_are_working_days(cn, day):
    assert day.weekday() >= 5
    assert cn.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)], ids=str)
def test_2026_national_day_week_is_off(cn, day):
    assert not cn.is_working_day(day)


def test_ordinary_weekend_and_weekday(cn):
    assert not cn.is_working_day(date(2026, 10, 17))  # Saturday
    assert cn.is_working_day(date(2026, 10, 14))  # Wednesday


@pytest.mark.parametrize("year", sorted(cn_makeup_days.NOTICES))
def test_builtin_table_agrees_with_package_where_both_know(year):
    package = holidays.country_holidays("CN", years=(year, year + 1))
    if not any(day.year == year for day in package.weekend_workdays):
        pytest.skip(f"installed holidays package has no {year} notice to compare with")
    disagreements = [
        day
        for day in days_of(year)
        if cn_makeup_days.is_working_day(day) != package.is_working_day(day)
    ]
    assert disagreements == []


@pytest.mark.parametrize("year", sorted(cn_makeup_days.NOTICES))
def test_builtin_table_is_well_formed(year):
    for period in cn_makeup_days.NOTICES[year]:
        assert period.first_day_off <= period.last_day_off
        assert all(day.weekday() >= 5 for day in period.makeup_workdays)
        assert not set(period.makeup_workdays) & set(period.days_off())


def test_builtin_table_is_used_when_package_lacks_the_year(monkeypatch):
    monkeypatch.setattr(calendar_module, "_package_knows", lambda year: False)
    cal = TenantCalendar()
    assert cal.is_working_day(date(2026, 10, 10))  # make-up Saturday, from the table
    assert not cal.is_working_day(date(2026, 10, 7))  # substituted weekday off
    assert cal.has_makeup_data(2026)


# --- WorkingDays ------------------------------------------------------------------------------


def test_working_days_across_national_day_land_on_makeup_saturday(cn):
    # Wed 30 Sep 10:00 → working days Thu 8, Fri 9, Sat 10 Oct (调休上班).
    due = compute_due(WorkingDays(3), sh(2026, 9, 30, 10, 0), cn)
    assert due == datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    assert due.astimezone(SHANGHAI).weekday() == 5


def test_working_day_can_be_a_makeup_sunday(cn):
    # Fri 18 Sep → Sun 20 Sep is worked before the National Day week.
    due = compute_due(WorkingDays(1), sh(2026, 9, 18, 15, 30), cn)
    assert due.astimezone(SHANGHAI) == sh(2026, 9, 20, 15, 30)


def test_working_days_keep_time_of_day_including_late_evening(cn):
    due = compute_due(WorkingDays(2), sh(2026, 3, 12, 22, 15, 30), cn)  # Thursday
    assert due.astimezone(SHANGHAI) == sh(2026, 3, 16, 22, 15, 30)  # Monday


def test_anchor_on_a_holiday_starts_next_working_day_at_nine(cn):
    anchor = sh(2026, 10, 3, 15, 0)
    assert compute_due(WorkingDays(0), anchor, cn).astimezone(SHANGHAI) == sh(2026, 10, 8, 9)
    assert compute_due(WorkingDays(1), anchor, cn).astimezone(SHANGHAI) == sh(2026, 10, 9, 9)


def test_anchor_on_a_weekend_uses_the_calendars_workday_start():
    cal = TenantCalendar(workday_start=time(8, 30))
    due = compute_due(WorkingDays(1), sh(2026, 3, 14, 11, 0), cal)  # Saturday
    assert due.astimezone(SHANGHAI) == sh(2026, 3, 17, 8, 30)  # Tuesday


def test_working_days_anchor_given_in_utc_uses_local_date(cn):
    # 2026-09-30 17:00 UTC is already Thu 1 Oct 01:00 in Shanghai: a holiday.
    due = compute_due(WorkingDays(1), datetime(2026, 9, 30, 17, 0, tzinfo=UTC), cn)
    assert due.astimezone(SHANGHAI) == sh(2026, 10, 9, 9, 0)


def test_negative_working_days_are_rejected(cn):
    with pytest.raises(ValueError):
        compute_due(WorkingDays(-1), sh(2026, 3, 12, 10), cn)


def test_working_days_between_is_the_inverse_of_add_working_days(cn):
    start = date(2026, 9, 25)
    for n in range(12):
        assert cn.working_days_between(start, cn.add_working_days(start, n)) == n
    assert cn.working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == -2


# --- EndOfDay, TimeOfDay, Duration ------------------------------------------------------------


def test_end_of_day_is_local_midnight_minus_one_second(cn):
    due = compute_due(EndOfDay(), sh(2026, 3, 10, 23, 30), cn)
    assert due == datetime(2026, 3, 10, 15, 59, 59, tzinfo=UTC)


def test_end_of_day_uses_the_local_date_not_the_utc_date(cn):
    # 16:30 UTC on the 10th is 00:30 on the 11th in Shanghai: 「当日」 is the 11th.
    anchor = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)
    assert compute_due(EndOfDay(), anchor, cn) == datetime(2026, 3, 11, 15, 59, 59, tzinfo=UTC)
    utc_tenant = TenantCalendar("UTC")
    assert compute_due(EndOfDay(), anchor, utc_tenant) == datetime(
        2026, 3, 10, 23, 59, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (sh(2026, 3, 10, 16, 59), sh(2026, 3, 10, 17, 0)),
        (sh(2026, 3, 10, 17, 0), sh(2026, 3, 10, 17, 0)),
        (sh(2026, 3, 10, 17, 0, 1), sh(2026, 3, 11, 17, 0)),
        (sh(2026, 3, 10, 17, 1), sh(2026, 3, 11, 17, 0)),
        (sh(2026, 3, 14, 9, 0), sh(2026, 3, 14, 17, 0)),  # calendar time: Saturday counts
    ],
    ids=["16:59", "17:00", "17:00:01", "17:01", "saturday"],
)
def test_time_of_day_is_next_local_occurrence(cn, anchor, expected):
    due = compute_due(TimeOfDay(17, 0), anchor, cn)
    assert due == expected
    assert due.tzinfo is UTC


def test_next_time_of_day_accepts_zone_objects_and_names():
    after = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 16:00 Shanghai
    assert next_time_of_day(after, 17, 30, "Asia/Shanghai") == datetime(
        2026, 3, 10, 9, 30, tzinfo=UTC
    )
    assert next_time_of_day(after, 17, 30, SHANGHAI) == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_duration_runs_across_midnight_and_holidays(cn):
    due = compute_due(Duration(timedelta(hours=2)), sh(2026, 9, 30, 23, 0), cn)
    assert due.astimezone(SHANGHAI) == sh(2026, 10, 1, 1, 0)


def test_duration_is_elapsed_time_across_a_dst_change():
    # New York springs forward on 2026-03-08: 24 h later is 13:00 local, not 12:00.
    new_york = ZoneInfo("America/New_York")
    cal = TenantCalendar("America/New_York")
    anchor = datetime(2026, 3, 7, 12, 0, tzinfo=new_york)
    due = compute_due(Duration(timedelta(hours=24)), anchor, cal)
    assert due - anchor == timedelta(hours=24)
    assert due.astimezone(new_york).hour == 13


@pytest.mark.parametrize(
    "within", [Duration(timedelta(hours=1)), WorkingDays(1), EndOfDay(), TimeOfDay(17)]
)
def test_results_are_utc_and_naive_anchors_raise(cn, within):
    assert compute_due(within, sh(2026, 3, 10, 10), cn).tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_due(within, datetime(2026, 3, 10, 10), cn)


def test_unknown_rule_raises(cn):
    with pytest.raises(TypeError):
        compute_due(timedelta(hours=1), sh(2026, 3, 10, 10), cn)


# --- overrides --------------------------------------------------------------------------------


def test_overrides_win_over_package(cn):
    cal = TenantCalendar(overrides={date(2026, 10, 10): False, date(2026, 10, 5): True})
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.is_working_day(date(2026, 10, 5))
    # Mon 5 Oct worked: 5, 8, 9 Oct are the three working days after 30 Sep.
    due = compute_due(WorkingDays(3), sh(2026, 9, 30, 10, 0), cal)
    assert due.astimezone(SHANGHAI) == sh(2026, 10, 9, 10, 0)
    # Make-up Saturday cancelled: the third working day is Mon 12 Oct.
    no_makeup = TenantCalendar(overrides={date(2026, 10, 10): False})
    due = compute_due(WorkingDays(3), sh(2026, 9, 30, 10, 0), no_makeup)
    assert due.astimezone(SHANGHAI) == sh(2026, 10, 12, 10, 0)
    assert cn.is_working_day(date(2026, 10, 10))  # other tenants are unaffected


def test_overrides_are_validated_and_read_only():
    with pytest.raises(TypeError):
        TenantCalendar(overrides={datetime(2026, 10, 10, 9): True})
    with pytest.raises(TypeError):
        TenantCalendar(overrides={date(2026, 10, 10): 1})
    cal = TenantCalendar(overrides={date(2026, 10, 10): False})
    with pytest.raises(TypeError):
        cal.overrides[date(2026, 10, 11)] = True  # type: ignore[index]


def test_calendar_with_no_working_day_raises_instead_of_looping():
    start = date(2026, 1, 1)
    all_off = {start + timedelta(days=offset): False for offset in range(4 * 366)}
    with pytest.raises(ValueError, match="no working day"):
        TenantCalendar(overrides=all_off).next_working_day(start)


# --- make-up data coverage and the admin warning ----------------------------------------------


def test_known_years_have_makeup_data(cn):
    assert cn.has_makeup_data(2025)
    assert cn.has_makeup_data(2026)


def test_2027_is_unknown_unless_the_package_has_it(cn, unknown_year):
    package_2027 = holidays.country_holidays("CN", years=(2027, 2028))
    if not any(day.year == 2027 for day in package_2027.weekend_workdays):
        assert unknown_year == 2027
    assert not cn.has_makeup_data(unknown_year)


def test_admin_entered_makeup_day_counts_as_makeup_data(unknown_year):
    saturday = next(
        date(unknown_year, 1, 1) + timedelta(days=offset)
        for offset in range(7)
        if (date(unknown_year, 1, 1) + timedelta(days=offset)).weekday() == 5
    )
    assert TenantCalendar(overrides={saturday: True}).has_makeup_data(unknown_year)
    # A weekday marked off (a local holiday) says nothing about the year's 调休.
    weekday = saturday + timedelta(days=2)
    assert not TenantCalendar(overrides={weekday: False}).has_makeup_data(unknown_year)


def test_warning_in_november_when_next_year_is_unknown(cn, unknown_year):
    warning = cn.calendar_warning(date(unknown_year - 1, 11, 5))
    assert warning is not None
    assert f"{unknown_year} 年" in warning
    assert "调休" in warning


def test_no_warning_before_november(cn, unknown_year):
    assert cn.calendar_warning(date(unknown_year - 1, 10, 31)) is None


def test_warning_all_year_when_current_year_is_unknown(cn, unknown_year):
    warning = cn.calendar_warning(date(unknown_year, 3, 1))
    assert warning is not None
    assert f"{unknown_year} 年" in warning


def test_no_warning_once_admin_entered_next_years_makeup_days(unknown_year):
    first_sunday = next(
        date(unknown_year, 1, 1) + timedelta(days=offset)
        for offset in range(7)
        if (date(unknown_year, 1, 1) + timedelta(days=offset)).weekday() == 6
    )
    cal = TenantCalendar(overrides={first_sunday: True})
    assert cal.calendar_warning(date(unknown_year - 1, 12, 1)) is None


# --- plumbing ---------------------------------------------------------------------------------


def test_unknown_timezone_raises_at_construction():
    with pytest.raises(ZoneInfoNotFoundError):
        TenantCalendar("Mars/Olympus_Mons")


def test_is_working_day_rejects_datetimes(cn):
    with pytest.raises(TypeError):
        cn.is_working_day(sh(2026, 10, 10, 9))


def test_local_now_is_aware_in_the_requested_zone():
    now = local_now("Asia/Shanghai")
    assert now.tzinfo == SHANGHAI
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
