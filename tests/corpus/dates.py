"""Date phrases of a reply and the revised deadline each one means, worked out here by the
rules of the reading spec (today, the plan's financial year, the action's deadline), not by
the bot's own parser: the corpus must not grade the reader against itself.

Every writer returns ``(text, truth)`` where truth is a ``date`` or a ``DeadlinePlus`` (a
move counted from the action's due date, resolved just before the reply is sent).
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class DeadlinePlus:
    """A move counted from the action's deadline ("two weeks late"): deadline + days."""

    days: int

    def resolve(self, due: date | None, today: date | None = None) -> date | None:
        """None: the action has no due date, or the move lands before ``today`` (a past date
        is no new deadline): the slip is stored with no revised deadline."""
        moved = None if due is None else due + timedelta(days=self.days)
        return None if moved is None or (today is not None and moved < today) else moved


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def first_on_or_after(today: date, make) -> date:
    """``make(year)`` for this year, or next year's if this year's is before today."""
    d = make(today.year)
    return d if d >= today else make(today.year + 1)


def fy_start(today: date, fy_month: int) -> date:
    year = today.year if today.month >= fy_month else today.year - 1
    return date(year, fy_month, 1)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def quarter_end(fy: date, q: int) -> date:
    """End of quarter ``q`` (1-4) of the financial year starting ``fy``."""
    last = _add_months(fy, 3 * q - 1)
    return month_end(last.year, last.month)


def current_quarter_end(today: date, fy_month: int) -> date:
    fy = fy_start(today, fy_month)
    return next(quarter_end(fy, q) for q in range(1, 5) if quarter_end(fy, q) >= today)


def q_alone(today: date, fy_month: int, q: int) -> date:
    fy = fy_start(today, fy_month)
    end = quarter_end(fy, q)
    return end if end >= today else quarter_end(date(fy.year + 1, fy.month, 1), q)


def fy_label(year: int) -> str:
    return f"{year}/{str(year + 1)[-2:]}"


# -- writers: each (rng, today, fy_month) -> (text, truth) ------------------------------------


def full_numeric(rng: random.Random, today: date, fy_month: int):
    d = date(today.year + 1, rng.randint(1, 12), rng.randint(1, 28))
    text = rng.choice([f"{d.day}/{d.month}/{d.year}", f"{d.day:02d}/{d.month:02d}/{d.year}"])
    return text, d


def full_words(rng, today, fy_month):
    d = date(today.year + 1, rng.randint(1, 12), rng.randint(1, 28))
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}", d


def month_year(rng, today, fy_month):
    y, m = today.year + 1, rng.randint(1, 12)
    return rng.choice([f"{MONTHS[m - 1]} {y}", f"end of {MONTHS[m - 1]} {y}"]), month_end(y, m)


def quarter_fy(rng, today, fy_month):
    fy = fy_start(today, fy_month).year + 1
    q = rng.randint(1, 4)
    return f"Q{q} {fy_label(fy)}", quarter_end(date(fy, fy_month, 1), q)


def month_alone(rng, today, fy_month):
    m = rng.randint(1, 12)
    name = rng.choice([MONTHS[m - 1], MONTHS[m - 1], f"end of {MONTHS[m - 1]}"])
    return name, first_on_or_after(today, lambda y: month_end(y, m))


def day_month(rng, today, fy_month):
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    text = rng.choice([f"{d}/{m}", f"{d} {SHORT[m - 1]}", f"{d} {MONTHS[m - 1]}"])
    return text, first_on_or_after(today, lambda y: date(y, m, d))


def early_mid_late(rng, today, fy_month):
    m = rng.randint(1, 12)
    word = rng.choice(["early", "mid", "late"])
    day = {"early": lambda y: date(y, m, 10), "mid": lambda y: date(y, m, 15)}.get(
        word, lambda y: month_end(y, m)
    )
    return f"{word} {MONTHS[m - 1]}", first_on_or_after(today, day)


def quarter_alone(rng, today, fy_month):
    q = rng.randint(1, 4)
    return rng.choice([f"Q{q}", f"q{q}"]), q_alone(today, fy_month, q)


def fy_relative(rng, today, fy_month):
    fy = fy_start(today, fy_month)
    cur = current_quarter_end(today, fy_month)
    nxt = _add_months(cur, 3)
    choices = [
        ("next quarter", month_end(nxt.year, nxt.month)),
        ("the end of the quarter", cur),
        ("year end", quarter_end(fy, 4)),
        ("the end of the financial year", quarter_end(fy, 4)),
    ]
    return rng.choice(choices)


SEASONS = {
    "spring": lambda y: date(y, 5, 31),
    "summer": lambda y: date(y, 8, 31),
    "autumn": lambda y: date(y, 11, 30),
    "the autumn": lambda y: date(y, 11, 30),
    "winter": lambda y: month_end(y, 2),
}


def season(rng, today, fy_month):
    name = rng.choice(sorted(SEASONS))
    return name, first_on_or_after(today, SEASONS[name])


def month_range(rng, today, fy_month):
    a = rng.randint(1, 10)
    b = a + rng.randint(1, 2)
    text = rng.choice(
        [
            f"{SHORT[a - 1]}/{SHORT[b - 1]}",
            f"{MONTHS[a - 1]} or {MONTHS[b - 1]}",
            f"{SHORT[a - 1]}–{SHORT[b - 1]}",
            f"{MONTHS[a - 1]} to {MONTHS[b - 1]}",
        ]
    )
    return text, first_on_or_after(today, lambda y: month_end(y, b))


def relative_today(rng, today, fy_month):
    nxt = _add_months(today, 1)
    monday = today + timedelta(days=7 - today.weekday())
    choices = [
        ("in two weeks", today + timedelta(days=14)),
        ("in a fortnight", today + timedelta(days=14)),
        ("next month", month_end(nxt.year, nxt.month)),
        ("next week", monday + timedelta(days=4)),
        ("Christmas", first_on_or_after(today, lambda y: date(y, 12, 25))),
        ("the end of the year", first_on_or_after(today, lambda y: date(y, 12, 31))),
    ]
    return rng.choice(choices)


WRITERS = {
    "full_numeric": full_numeric,
    "full_words": full_words,
    "month_year": month_year,
    "quarter_fy": quarter_fy,
    "month_alone": month_alone,
    "day_month": day_month,
    "early_mid_late": early_mid_late,
    "quarter_alone": quarter_alone,
    "fy_relative": fy_relative,
    "season": season,
    "range": month_range,
    "relative_today": relative_today,
}

# Moves counted from the action's deadline: (words, days).
DEADLINE_MOVES = [
    ("two weeks late", 14),
    ("2 weeks late", 14),
    ("three weeks behind", 21),
    ("a week late", 7),
    ("one week behind", 7),
    ("delayed by two weeks", 14),
    ("delayed by a fortnight", 14),
    ("slipped a couple of weeks", 14),
    ("slipping a few weeks", 21),
    ("a week or two behind", 14),
    ("running a few weeks late", 21),
]
