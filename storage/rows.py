"""Reading many rows quickly: date and time columns read raw and converted by one C call each
(SQLite keeps them as ISO text; PostgreSQL's driver already returns them as dates and aware
datetimes), instead of SQLAlchemy's per-value type processing, which for the 10,000 actions
of a big plan costs more than the query itself."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import type_coerce
from sqlalchemy.types import NullType

_RAW = NullType()


def raw(column):
    """``column`` selected without result processing (convert with the readers below)."""
    return type_coerce(column, _RAW).label(column.key)


def _utc_from_text(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value + "+00:00") if value else None


def _date_from_text(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _as_is(value: Any) -> Any:
    return value


def readers(session) -> tuple[Callable[[Any], datetime | None], Callable[[Any], date | None]]:
    """(to aware UTC datetime, to date) for raw values from ``session``'s database. On
    SQLite each reader remembers what it has read: a plan's actions share many times (all
    imported at one instant) and due dates, and a look-up costs a tenth of a parse. Take
    fresh readers for each read, so what they remember goes with it."""
    if session.get_bind().dialect.name == "sqlite":
        return _remembering(_utc_from_text), _remembering(_date_from_text)
    return _as_is, _as_is


def _remembering(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {None: None}
    get = seen.get

    def read(value):
        found = get(value, _MISSING)
        if found is _MISSING:
            found = seen[value] = parse(value)
        return found

    return read


_MISSING = object()


_gc_lock = threading.Lock()
_gc_state = {"holders": 0, "was_enabled": False}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while building many objects that all stay alive
    (a plan's 10,000 action views): otherwise it runs again and again over the growing set,
    which costs about as much as building it. Nothing built here forms cycles; the collector
    is back on (if it was on) when the last holder leaves (listeners run in threads)."""
    with _gc_lock:
        if _gc_state["holders"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["holders"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["holders"] -= 1
            if _gc_state["holders"] == 0 and _gc_state["was_enabled"]:
                gc.enable()
