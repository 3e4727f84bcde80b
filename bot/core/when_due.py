"""How far a due date is from today, in words every renderer shows the same way:
"1 day overdue", "due today", "in 14 days". A completed action is never "overdue"."""

from __future__ import annotations

from datetime import date
from typing import Literal

from bot.core.owing import is_open
from storage.queries import ActionView

Kind = Literal["overdue", "today", "ahead"]


def days(n: int) -> str:
    """ "1 day", "2 days"."""
    return f"{n} day" if n == 1 else f"{n} days"


def when_due(action: ActionView, today: date) -> tuple[str, Kind] | None:
    """The phrase and its kind, or None (no due date, or nothing is due: it is done)."""
    if action.due_date is None or not is_open(action):
        return None
    n = (action.due_date - today).days
    if n < 0:
        return f"{days(-n)} overdue", "overdue"
    if n == 0:
        return "due today", "today"
    return f"in {days(n)}", "ahead"
