"""The board report asked for in chat or from the command line, platform-neutral.

`report [as at DATE] [theme WORDS] [since DATE] [with EXTRAS] [as xlsx|docx|html|csv]` is read into a
ReportRequest; `make_report` reads the plan as at that date and renders the file. Adapters
deliver the file (the console writes it, Slack uploads it to the requester's DM)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.clock import local_today
from bot.core.query import QueryError, parse_query_date
from bot.core.report import Report, read_extras, report_from_store
from bot.core.service import PlanService
from bot.io.report_layout import FORMATS, MEDIA_TYPES, default_name
from bot.io.report_writers import render

HELP = (
    "report [plan NAME] [as at DATE] [theme WORDS] [since DATE] [with status,owner,changes,"
    "attribution,slips] [as xlsx|docx|html|csv] — the board report (the plan's own table, "
    "Update on Progress filled in) as at a date, e.g. `report as at 30 Nov 2019 theme "
    "leadership`; `plan NAME` chooses the plan when several are loaded"
)
_KEYWORDS = re.compile(
    r"\b(as\s+at|theme|changes\s+since|since|with|as|format|plan)\b(?=\s|$)", re.I
)


@dataclass(frozen=True)
class ReportRequest:
    as_at: date | None = None  # None: today in the plan's time zone
    theme: str | None = None
    since: date | None = None
    fmt: str = "xlsx"
    extras: frozenset[str] | None = None  # None: the plan's own setting (`plan set --report-with`)
    plan: str | None = None  # which plan, when several are loaded (its name, or part of it)


@dataclass(frozen=True)
class ReportFile:
    name: str
    data: bytes
    media_type: str
    report: Report

    @property
    def summary(self) -> str:
        return describe(self.report)


def describe(r: Report) -> str:
    """One line about a report: its title, counts, overdue and slipped."""
    if not r.total:
        return (
            f"{r.title}: no actions — the plan had none on {r.as_at:%-d %b %Y} "
            "(it was loaded later, or the theme had none then)."
        )
    counts = ", ".join(f"{s} {r.counts[s]}" for s in r.statuses)
    return (
        f"{r.title}: {r.total} actions in {len(r.themes)} themes ({counts}); "
        f"{r.overdue} overdue, {r.slipped} slipped."
    )


def read_report_date(text: str, today: date) -> date:
    """A report date as typed: "30/11/2019", "30 Nov 2019", "2019-11-30", "today", or a
    month ("November 2019" means its last day: the report as the month closed)."""
    s = " ".join(text.split()).lower().rstrip(".")
    m = re.fullmatch(r"([a-z]+),? (\d{4})", s)
    if m:
        from bot.core.deadlines import MONTHS, month_end

        if m.group(1) in MONTHS:
            return month_end(int(m.group(2)), MONTHS[m.group(1)])
    return parse_query_date(s, today, prefer="past")


def parse_report_request(text: str, today: date, *, fmt: str = "xlsx") -> ReportRequest:
    """Read the words after `report`. Raises QueryError naming the part it could not read."""
    text = " ".join((text or "").split())
    parts: dict[str, str] = {}
    marks = list(_KEYWORDS.finditer(text))
    if marks and marks[0].start() > 0 or (not marks and text):
        lead = text[: marks[0].start()] if marks else text
        raise QueryError(f"can't read {lead.strip()!r} in the report request. {HELP}")
    for i, m in enumerate(marks):
        key = " ".join(m.group(1).lower().split())
        key = {"changes since": "since", "format": "as"}.get(key, key)
        value = text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip()
        if not value:
            raise QueryError(f"'{m.group(1)}' needs something after it. {HELP}")
        if key in parts:
            raise QueryError(f"'{m.group(1)}' is given twice. {HELP}")
        parts[key] = value
    if "as" in parts:
        fmt = parts["as"].lower().lstrip(".")
        if fmt not in FORMATS:
            raise QueryError(f"unknown report format {parts['as']!r}; one of {', '.join(FORMATS)}")
    as_at = read_report_date(parts["as at"], today) if "as at" in parts else None
    since = read_report_date(parts["since"], today) if "since" in parts else None
    extras = None
    if "with" in parts:
        try:
            extras = read_extras(parts["with"])
        except ValueError as exc:
            raise QueryError(str(exc)) from None
    return ReportRequest(as_at, parts.get("theme"), since, fmt, extras, parts.get("plan"))


def report_for(service: PlanService, request: ReportRequest) -> Report:
    """The report model: the plan read as at the request's date (default: today)."""
    from storage.queries import NotFound, SeveralPlans

    try:
        if request.plan:
            service = service.for_plan(service.plan_named(request.plan))
        plan = service.plan()
    except SeveralPlans as exc:
        # A report is one plan's table: in chat the plan is chosen with the request's words.
        raise QueryError(
            f"several plans are loaded: {', '.join(exc.names)} — choose one, e.g. "
            f"`report plan {exc.names[0]}`"
        ) from None
    except NotFound as exc:
        raise QueryError(str(exc)) from None
    today = local_today(service.clock, plan.timezone)
    as_at = request.as_at or today
    if as_at > today:
        raise QueryError(f"the report date {as_at:%-d %b %Y} is in the future")
    return report_from_store(
        service.engine,
        plan.id,
        as_at=as_at,
        since=request.since,
        theme=request.theme,
        extras=request.extras,
    )


def make_report(service: PlanService, request: ReportRequest) -> ReportFile:
    """The report rendered as the file the request asks for."""
    report = report_for(service, request)
    data = render(report, request.fmt)
    return ReportFile(default_name(report, request.fmt), data, MEDIA_TYPES[request.fmt], report)
