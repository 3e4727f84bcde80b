"""The nudge and digest policy of a plan: when owners are nudged, when silence is escalated,
when the leadership digest is posted. Defaults suit an NHS programme office; a plan overrides
any of them with JSON in ``Plan.policy_json``, e.g.::

    {"before_due_working_days": [14, 3], "overdue_every_working_days": 5,
     "working_hours": "08:30-17:30", "holiday_region": "SCT", "escalate_after_nudges": 3,
     "digest_day": "Friday", "digest_time": "12:00", "digest_scope": "theme"}

Parsing names the bad key in its error, so an administrator can fix the setting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.calendar import REGIONS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class PolicyError(ValueError):
    """A plan's policy JSON is not valid; the message names the key and what was wrong."""


@dataclass(frozen=True)
class NudgePolicy:
    # Nudges for a dated action: N working days before its due date, on the day (the last
    # working day on or before it), then every N working days while it stays overdue.
    before_due_working_days: tuple[int, ...] = (10, 3)
    on_due_day: bool = True
    overdue_every_working_days: int = 5  # 0: no repeats while overdue
    # Ongoing actions, and actions whose deadline could not be read, are asked monthly, on
    # this working day of the month (1 = the first working day).
    monthly_working_day: int = 1
    working_hours_start: time = time(9, 0)
    working_hours_end: time = time(17, 0)
    holiday_region: str = "ENG"
    # A role nobody holds: its nudges go to the plan's administrators ("admins") or are
    # skipped with a line in the sweep report ("skip").
    unheld_role: str = "admins"
    escalate_after_nudges: int = 2  # 0: never escalate
    digest_day: int = 0  # Monday
    digest_time: time = time(9, 0)
    digest_timezone: str | None = None  # None: the plan's time zone
    digest_scope: str = "plan"  # "plan" (one digest) or "theme" (one per theme)
    # A digest whose slot was missed (the bot was down) is still posted up to this late.
    digest_grace_hours: float = 24.0
    digest_horizon_days: int = 14  # "falls due in the next N days"
    lease_seconds: int = 300  # how long a claim is held before another sweep may take it over

    def digest_tz(self, plan_tz: str) -> str:
        return self.digest_timezone or plan_tz


# JSON key -> how to read it. Each reader raises ValueError with a short explanation.
def _int(lo: int, hi: int):
    def read(v):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return v

    return read


def _bool(v):
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _before_days(v):
    if not isinstance(v, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 120 for x in v
    ):
        raise ValueError("must be a list of working-day counts from 1 to 120, e.g. [10, 3]")
    return tuple(sorted(set(v), reverse=True))


def _hhmm(v) -> time:
    if not isinstance(v, str) or not re.fullmatch(r"\d{1,2}:\d{2}", v.strip()):
        raise ValueError("must be a time as HH:MM")
    h, m = (int(x) for x in v.strip().split(":"))
    if h > 23 or m > 59:
        raise ValueError("must be a time as HH:MM")
    return time(h, m)


def _hours(v) -> tuple[time, time]:
    if not isinstance(v, str) or "-" not in v:
        raise ValueError('must be "HH:MM-HH:MM", e.g. "09:00-17:00"')
    a, b = v.split("-", 1)
    start, end = _hhmm(a), _hhmm(b)
    if not start < end:
        raise ValueError("must start before it ends")
    return start, end


def _region(v):
    if not isinstance(v, str) or v.upper() not in REGIONS:
        raise ValueError(f"must be one of {', '.join(sorted(REGIONS))}")
    return v.upper()


def _choice(*options: str):
    def read(v):
        if v not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}")
        return v

    return read


def _weekday(v):
    if isinstance(v, str) and v.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(v.strip().lower())
    raise ValueError('must be a weekday name, e.g. "Monday"')


def _tz(v):
    if v is None:
        return None
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError("must be a time zone name such as Europe/London") from None
    return v


def _hours_float(v):
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 144:
        raise ValueError("must be a number of hours from 0 to 144")
    return float(v)


_READERS = {
    "before_due_working_days": ("before_due_working_days", _before_days),
    "on_due_day": ("on_due_day", _bool),
    "overdue_every_working_days": ("overdue_every_working_days", _int(0, 60)),
    "monthly_working_day": ("monthly_working_day", _int(1, 15)),
    "holiday_region": ("holiday_region", _region),
    "unheld_role": ("unheld_role", _choice("admins", "skip")),
    "escalate_after_nudges": ("escalate_after_nudges", _int(0, 50)),
    "digest_day": ("digest_day", _weekday),
    "digest_time": ("digest_time", _hhmm),
    "digest_timezone": ("digest_timezone", _tz),
    "digest_scope": ("digest_scope", _choice("plan", "theme")),
    "digest_grace_hours": ("digest_grace_hours", _hours_float),
    "digest_horizon_days": ("digest_horizon_days", _int(1, 120)),
    "lease_seconds": ("lease_seconds", _int(30, 3600)),
}


def parse_policy(text: str | None) -> NudgePolicy:
    """The policy a plan's ``policy_json`` describes (empty: the defaults)."""
    if not text or not text.strip():
        return NudgePolicy()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"policy: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise PolicyError("policy: must be a JSON object of settings")
    values: dict = {}
    for key, raw in data.items():
        if key == "working_hours":
            try:
                values["working_hours_start"], values["working_hours_end"] = _hours(raw)
            except ValueError as exc:
                raise PolicyError(f"policy: 'working_hours' {exc}, not {raw!r}") from None
            continue
        if key not in _READERS:
            known = ", ".join(sorted([*_READERS, "working_hours"]))
            raise PolicyError(f"policy: unknown setting {key!r}; known settings: {known}")
        attr, read = _READERS[key]
        try:
            values[attr] = read(raw)
        except ValueError as exc:
            raise PolicyError(f"policy: {key!r} {exc}, not {raw!r}") from None
    return NudgePolicy(**values)


def policy_to_json(policy: NudgePolicy) -> dict:
    """The policy as the JSON settings that would produce it: the same keys and forms
    `plan set --policy` reads (weekday names, "HH:MM", "HH:MM-HH:MM"), so what `plan show`
    prints can be pasted back."""
    out: dict = {}
    for f in fields(policy):
        v = getattr(policy, f.name)
        if f.name == "working_hours_start":
            end = policy.working_hours_end
            out["working_hours"] = f"{v:%H:%M}-{end:%H:%M}"
            continue
        if f.name == "working_hours_end":
            continue
        if f.name == "digest_day":
            v = WEEKDAYS[v].title()
        elif isinstance(v, time):
            v = v.strftime("%H:%M")
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out
