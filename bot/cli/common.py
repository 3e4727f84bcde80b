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
PlanOpt = Annotated[
    str | None,
    typer.Option("--plan", help="Plan name (default: the only plan; needed when several are)."),
]


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
            # Several plans: the oldest one's time zone (each job reads its plan's own).
            tz = service.default_plan().timezone
        except NotFound:
            tz = DEFAULT_TZ  # no plan yet (the first import)
        clock.set(_moment(today, tz))
    return service


def check_fy_start(year: int | None, option: str = "--fy-start") -> None:
    """A financial year's starting year as four digits: "19" is refused, not read as 0019."""
    if year is not None and not 1990 <= year <= 2100:
        hint = f" (did you mean {2000 + year}?)" if 0 <= year <= 99 else ""
        raise CliError(
            f"{option} needs the year the first financial year starts, as four digits, "
            f"e.g. 2019 for 2019/20; not {year}{hint}",
            where=option,
        )


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


# Chat syntax in messages the handlers write, and what the same thing is on the command line.
_CLI_SYNTAX: tuple[tuple[str, str], ...] = (
    (
        "Try `help` for the list of queries",
        "Try `progressbot actions help` for the list of queries",
    ),
    (
        "Say e.g. `away until 3 March deputy Julie Fellows` (or `@Julie Fellows`), and `back`.",
        "Say e.g. `progressbot away NAME until 3 March deputy Julie Fellows`, and "
        "`progressbot away NAME back`.",
    ),
    ("(see `people`)", "(see `progressbot people list`)"),
    ("Say `back` to end it early.", "`progressbot away NAME back` ends it early."),
    ("Try `search WORDS` to find one", "Try `progressbot actions search WORDS` to find one"),
    ("`as YOUR NAME`", "`--as NAME`"),
    ("`as NAME`", "`--as NAME`"),
)


def cli_text(message: str) -> str:
    """A message written for chat, in the command line's syntax."""
    for chat, cli in _CLI_SYNTAX:
        message = message.replace(chat, cli)
    if message.startswith("nobody called ") and ":" not in message:
        message += ": see `progressbot people list`"
    return message


def json_wanted(argv: list[str] | None = None) -> bool:
    """Whether the command line asked for JSON (errors are then JSON too)."""
    args = sys.argv[1:] if argv is None else argv
    return "--json" in args[: args.index("--")] if "--" in args else "--json" in args


def command_where(argv: list[str] | None = None) -> str:
    """The command as typed, without its options' values: "progressbot plan set"."""
    args = sys.argv[1:] if argv is None else argv
    words = []
    for a in args:
        if a.startswith("-"):
            break
        words.append(a)
        if len(words) == 2 or words[0] not in ("plan", "people"):
            break
    return " ".join(["progressbot", *words])


def report_error(message: str, where: str | None) -> None:
    """One error, as one line on stderr or as ``{"error", "where"}`` JSON on stdout."""
    message = cli_text(" ".join(str(message).split()))
    where = where or command_where()
    if json_wanted():
        sys.stdout.write(json.dumps({"error": message, "where": where}) + "\n")
        sys.stdout.flush()
    else:
        err.print(f"error: {message}", highlight=False, markup=False)
