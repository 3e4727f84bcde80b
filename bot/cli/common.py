"""What every `progressbot` command shares: the console streams, the common options, the
one-line error type, and the clock a `--today` option sets."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from bot.core.clock import SettableClock, moment_for

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Act as if it were this date (YYYY-MM-DD, 10:00 plan time) or ISO datetime.",
    ),
]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Plan name (default: the only plan).")]


class CliError(Exception):
    """Reported as one line on stderr (with --json: ``{"error": …, "where": …}`` on stdout)
    with exit code 1. ``where`` names the command, option or file position at fault."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.where = where


DEFAULT_TZ = "Europe/London"


def clock_for(today: str | None, tz: str = DEFAULT_TZ) -> SettableClock:
    """The clock every command runs on: the real time, or ``--today`` (a date means 10:00 in
    ``tz``), so that stored times, queries and jobs all agree on what "now" is."""
    clock = SettableClock()
    if today:
        clock.set(_moment(today, tz))
    return clock


def service_for(settings, today: str | None):
    """The service on ``clock_for(today)``, a date read in the plan's own time zone."""
    from bot.app import build_service
    from storage.queries import NotFound

    clock = SettableClock()
    service = build_service(settings, clock)
    if today:
        try:
            tz = service.plan().timezone
        except NotFound:
            tz = DEFAULT_TZ  # no plan yet (the first import)
        clock.set(_moment(today, tz))
    return service


def _moment(today: str, tz: str):
    try:
        return moment_for(today, tz)
    except ValueError:
        raise CliError(
            f"--today needs a date (2019-09-16) or an ISO datetime (2019-09-16T09:30), "
            f"not {today!r}",
            where="--today",
        ) from None


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def emit_json_line(data) -> None:
    """One compact JSON object on one line (for streams of answers)."""
    sys.stdout.write(json.dumps(data, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


