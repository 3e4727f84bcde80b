"""Working days for a plan: weekends and UK bank holidays skipped, and working hours.

Bank holidays come from the `holidays` package for one of the UK nations (England & Wales by
default; Scotland, Northern Ireland and Wales selectable, as their bank holidays differ).

Counting working days one day at a time would cost a year of steps per action for a plan of
10,000 actions; instead the calendar keeps the sorted ordinals of every working day in the
years it has seen, so "N working days before/after" and "working days between" are a bisect.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from threading import Lock
from zoneinfo import ZoneInfo

import holidays

# Region codes as the `holidays` package names the UK's subdivisions.
REGIONS: dict[str, str] = {
    "ENG": "England and Wales",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}
DEFAULT_REGION = "ENG"


class WorkCalendar:
    """Working days (Monday–Friday, not a bank holiday) for one UK region."""

    def __init__(self, region: str = DEFAULT_REGION):
        region = region.upper()
        if region not in REGIONS:
            raise ValueError(
                f"unknown holiday region {region!r}; one of {', '.join(sorted(REGIONS))}"
            )
        self.region = region
        self._holidays = holidays.country_holidays("GB", subdiv=region)
        self._lock = Lock()  # sweeps may run in several threads sharing one calendar
        self._lo = self._hi = 0  # years covered: [lo, hi]
        self._ordinals: list[int] = []

    # -- days ---------------------------------------------------------------------------------
    def holiday(self, day: date) -> str | None:
        """The bank holiday's name, or None."""
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        self._cover(day.year)
        i = bisect_left(self._ordinals, day.toordinal())
        return i < len(self._ordinals) and self._ordinals[i] == day.toordinal()

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n > 0), or before it (n < 0). ``day`` itself
        does not count, whether or not it is a working day; n = 0 returns ``day``."""
        if n == 0:
            return day
        self._cover(day.year)
        while True:
            ords = self._ordinals
            if n > 0:
                i = bisect_right(ords, day.toordinal()) + n - 1
            else:
                i = bisect_left(ords, day.toordinal()) + n
            if 0 <= i < len(ords):  # the covered years are contiguous, so any index inside is right
                return date.fromordinal(ords[i])
            # Past the years covered: widen by a year on that side and look again.
            self._cover(self._hi + 1 if n > 0 else self._lo - 1)

    def working_day_on_or_before(self, day: date) -> date:
        return day if self.is_working_day(day) else self.add_working_days(day, -1)

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    def working_days_after(self, start: date, end: date) -> int:
        """How many working days fall in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_after(end, start)
        self._cover(start.year)
        self._cover(end.year)
        ords = self._ordinals
        return bisect_right(ords, end.toordinal()) - bisect_right(ords, start.toordinal())

    # -- time of day --------------------------------------------------------------------------
    def is_working_time(
        self, local: datetime, start: time = time(9, 0), end: time = time(17, 0)
    ) -> bool:
        """Whether a local wall-clock time falls in working hours on a working day."""
        return self.is_working_day(local.date()) and start <= local.time() < end

    # -- coverage -----------------------------------------------------------------------------
    def _cover(self, year: int) -> None:
        if self._lo <= year <= self._hi and self._ordinals:
            return
        with self._lock:
            if self._lo <= year <= self._hi and self._ordinals:
                return
            lo = min(self._lo, year - 1) if self._ordinals else year - 1
            hi = max(self._hi, year + 1) if self._ordinals else year + 1
            ords: list[int] = []
            d, last, hol = date(lo, 1, 1), date(hi, 12, 31), self._holidays
            while d <= last:  # `in` fills the holidays of each new year as it goes
                if d.weekday() < 5 and d not in hol:
                    ords.append(d.toordinal())
                d += timedelta(days=1)
            self._ordinals, self._lo, self._hi = ords, lo, hi


@lru_cache(maxsize=16)
def calendar_for(region: str = DEFAULT_REGION) -> WorkCalendar:
    """One shared calendar per region (building bank holidays costs a few ms a year)."""
    return WorkCalendar(region)


def local_now(now: datetime, tz: str) -> datetime:
    """``now`` (aware) as wall-clock time in ``tz``."""
    return now.astimezone(ZoneInfo(tz))
