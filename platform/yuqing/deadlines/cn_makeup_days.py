"""China's 调休 arrangements, transcribed from the State Council General Office notices.

The `holidays` package is the primary source; this table is the fallback for years the
installed package does not know yet (the notice for year N usually appears in November of
N-1, and a `holidays` release follows weeks later). Tests check that the table and the
package agree on every day of every year both know, so the two cannot drift apart silently.

To add a year: copy the notice's seven items below, one ``HolidayPeriod`` each, with the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class HolidayPeriod:
    """One item of a notice: 「X月X日至X日放假调休，共N天。X月X日（周六）上班。」"""

    name_zh: str
    first_day_off: date
    last_day_off: date
    #: Weekend days that become working days (「上班」) to make up for the days off.
    makeup_workdays: tuple[date, ...] = ()

    def days_off(self) -> list[date]:
        count = (self.last_day_off - self.first_day_off).days + 1
        return [self.first_day_off + timedelta(days=offset) for offset in range(count)]


#: Year → the items of that year's notice.
NOTICES: dict[int, tuple[HolidayPeriod, ...]] = {
    # 国务院办公厅关于2026年部分节假日安排的通知
    # https://www.gov.cn/gongbao/2025/issue_12406/202511/content_7048922.html
    2026: (
        HolidayPeriod("元旦", date(2026, 1, 1), date(2026, 1, 3), (date(2026, 1, 4),)),
        HolidayPeriod(
            "春节",
            date(2026, 2, 15),
            date(2026, 2, 23),
            (date(2026, 2, 14), date(2026, 2, 28)),
        ),
        HolidayPeriod("清明节", date(2026, 4, 4), date(2026, 4, 6)),
        HolidayPeriod("劳动节", date(2026, 5, 1), date(2026, 5, 5), (date(2026, 5, 9),)),
        HolidayPeriod("端午节", date(2026, 6, 19), date(2026, 6, 21)),
        HolidayPeriod("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
        HolidayPeriod(
            "国庆节",
            date(2026, 10, 1),
            date(2026, 10, 7),
            (date(2026, 9, 20), date(2026, 10, 10)),
        ),
    ),
}


def days_off(year: int) -> frozenset[date]:
    """Every day off of the year's holiday periods (weekends inside a period included)."""
    return frozenset(day for period in NOTICES.get(year, ()) for day in period.days_off())


def makeup_workdays(year: int) -> frozenset[date]:
    """The weekend days the year's notice turns into working days.

    A notice may name a make-up day in the previous December; it is listed under the notice's
    year, so callers looking up a date should consult both its year and the following one.
    """
    return frozenset(day for period in NOTICES.get(year, ()) for day in period.makeup_workdays)


def is_working_day(d: date) -> bool | None:
    """Whether ``d`` is worked according to the table; None if no notice covers it."""
    if d in makeup_workdays(d.year) or d in makeup_workdays(d.year + 1):
        return True
    if d.year not in NOTICES:
        return None
    return d not in days_off(d.year) and d.weekday() < 5
