"""Working days: weekends and UK bank holidays (by nation) skipped, counted both ways, and
working hours. Expected dates are read off a 2019/2020 calendar by hand."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import WorkCalendar, calendar_for

ENG = calendar_for("ENG")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2019, 8, 23), True),  # Friday
        (date(2019, 8, 24), False),  # Saturday
        (date(2019, 8, 25), False),  # Sunday
        (date(2019, 8, 26), False),  # summer bank holiday (England & Wales)
        (date(2019, 8, 27), True),
        (date(2019, 12, 24), True),
        (date(2019, 12, 25), False),  # Christmas Day
        (date(2019, 12, 26), False),  # Boxing Day
        (date(2019, 12, 27), True),
        (date(2020, 1, 1), False),
        (date(2020, 5, 8), False),  # VE Day: the early May bank holiday moved to a Friday
        (date(2020, 5, 4), True),
    ],
)
def test_england_working_days(day, working):
    assert ENG.is_working_day(day) is working


def test_nations_differ():
    sct, nir = calendar_for("SCT"), calendar_for("NIR")
    # Scotland's summer bank holiday is the first Monday of August, not the last.
    assert sct.is_working_day(date(2019, 8, 26)) and not sct.is_working_day(date(2019, 8, 5))
    assert ENG.is_working_day(date(2019, 8, 5))
    assert not sct.is_working_day(date(2020, 1, 2))  # 2 January
    assert not nir.is_working_day(date(2019, 3, 18))  # St Patrick's Day (observed)
    assert ENG.holiday(date(2019, 12, 26)) == "Boxing Day"
    with pytest.raises(ValueError, match="unknown holiday region"):
        WorkCalendar("XX")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2019, 9, 30), -10, date(2019, 9, 16)),
        (date(2019, 9, 30), -3, date(2019, 9, 25)),
        (date(2019, 8, 30), -10, date(2019, 8, 15)),  # across the 26 Aug bank holiday
        (date(2019, 8, 30), -3, date(2019, 8, 27)),
        (date(2019, 8, 30), 5, date(2019, 9, 6)),
        (date(2019, 12, 20), 5, date(2019, 12, 31)),  # across Christmas
        (date(2019, 12, 31), 1, date(2020, 1, 2)),  # across New Year's Day and the year end
        (date(2019, 9, 15), -1, date(2019, 9, 13)),  # from a Sunday
        (date(2019, 9, 15), 1, date(2019, 9, 16)),
        (date(2019, 9, 16), 0, date(2019, 9, 16)),
        (date(2019, 1, 2), -1, date(2018, 12, 31)),  # across New Year's Day backwards
    ],
)
def test_add_working_days(start, n, expected):
    assert WorkCalendar("ENG").add_working_days(start, n) == expected


def test_far_jumps_widen_the_years_covered():
    cal = WorkCalendar("ENG")
    start = date(2019, 9, 16)
    back = cal.add_working_days(start, -700)
    assert back.year == 2016 and cal.add_working_days(back, 700) == start
    assert cal.working_days_after(back, start) == 700


def test_count_and_nearest_working_days():
    assert ENG.working_days_after(date(2019, 12, 20), date(2019, 12, 31)) == 5
    assert ENG.working_days_after(date(2019, 12, 31), date(2019, 12, 20)) == -5
    assert ENG.working_days_after(date(2019, 9, 14), date(2019, 9, 15)) == 0
    assert ENG.working_day_on_or_before(date(2019, 8, 26)) == date(2019, 8, 23)
    assert ENG.working_day_on_or_after(date(2019, 12, 25)) == date(2019, 12, 27)


def test_working_time_is_local():
    ldn = ZoneInfo("Europe/London")
    assert ENG.is_working_time(datetime(2019, 9, 16, 9, 0, tzinfo=ldn))
    assert ENG.is_working_time(datetime(2019, 9, 16, 16, 59, tzinfo=ldn))
    assert not ENG.is_working_time(datetime(2019, 9, 16, 17, 0, tzinfo=ldn))
    assert not ENG.is_working_time(datetime(2019, 9, 16, 8, 59, tzinfo=ldn))
    assert not ENG.is_working_time(datetime(2019, 9, 14, 11, 0, tzinfo=ldn))  # Saturday
    assert not ENG.is_working_time(datetime(2019, 8, 26, 11, 0, tzinfo=ldn))  # bank holiday
    assert ENG.is_working_time(
        datetime(2019, 9, 16, 7, 30, tzinfo=ldn), start=time(7, 0), end=time(15, 0)
    )
