"""Injected time. Nothing in the bot reads the wall clock except SystemClock."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock(SystemClock):
    """The real time until someone sets it (the console's `today`, a `--today` option); from
    then on it stays where it is put, like FixedClock."""

    def __init__(self, at: datetime | None = None):
        self._at = _aware(at) if at is not None else None

    def now(self) -> datetime:
        return self._at if self._at is not None else super().now()

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at = self.now() + delta


class RunningClock:
    """Starts at a given moment and then moves on with real time: `progressbot run` under
    RUN_CLOCK_START (tests and demos), so a running bot's schedule can be pinned to a known
    working day without freezing time."""

    def __init__(self, start: datetime):
        self._start = _aware(start)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class FixedClock:
    """A clock that stays where it is put; tests and `--today` move it by hand."""

    def __init__(self, at: datetime):
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("FixedClock needs a timezone-aware datetime")
    return at.astimezone(UTC)


def local_today(clock: Clock, tz: str) -> date:
    """Today's date in the plan's (or owner's) time zone."""
    return clock.now().astimezone(ZoneInfo(tz)).date()


# What "--today 2019-09-16" means everywhere (console, CLI, jobs): that day, 10:00 plan time,
# inside working hours, so a sweep run "today" behaves as the scheduler's would.
TODAY_HOUR = 10


def moment_for(text: str, tz: str) -> datetime:
    """A `--today` value: a date (10:00 in ``tz``) or an ISO datetime (naive = ``tz``)."""
    t = text.strip()
    if len(t) == 10:
        return at_local(date.fromisoformat(t), tz, TODAY_HOUR)
    at = datetime.fromisoformat(t)
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(tz))


def at_local(day: date, tz: str, hour: int = 9, minute: int = 0) -> datetime:
    """An aware datetime for ``day`` at a local wall-clock time in ``tz``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))
