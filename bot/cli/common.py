"""What every `progressbot` command shares: the console streams, the common options, the
one-line error type, and the clock a `--today` option sets."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from typing import Annotated

import typer
from rich.console import Console

from bot.core.clock import FixedClock, SystemClock

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Act as if today were this date (YYYY-MM-DD).")
]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Plan name (default: the only plan).")]


class CliError(Exception):
    """Reported as one line on stderr (with --json: ``{"error": …, "where": …}`` on stdout)
    with exit code 1. ``where`` names the command, option or file position at fault."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.where = where


def clock_for(today: str | None):
    if not today:
        return SystemClock()
    try:
        day = date.fromisoformat(today)
    except ValueError:
        raise CliError(f"--today needs a date as YYYY-MM-DD, not {today!r}") from None
    return FixedClock(datetime.combine(day, time(9, 0), tzinfo=UTC))


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


