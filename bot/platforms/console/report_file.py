"""`report …` in the console: the board report written to a file in the folder the console
was started in (named for the plan, theme and date), its full path and a one-line summary. The request is read by handlers/report.py, as in
Slack and on the command line."""

from __future__ import annotations

from pathlib import Path

from bot.core.query import QueryError
from handlers.replies import Notice, Problem


def console_report(session, text: str) -> None:
    """``session`` is the ConsoleSession: its service, clock and show()."""
    from bot.core.clock import local_today
    from bot.io.report_writers import write_report
    from handlers.report import describe, parse_report_request, report_for

    service = session.service
    try:
        today = local_today(service.clock, service.default_plan().timezone)
        request = parse_report_request(text, today)
        report = report_for(service, request)
    except (QueryError, ValueError) as exc:
        session.show(Problem(str(exc)))
        return
    path = write_report(report, request.fmt, Path("."))
    session.show(Notice(f"Wrote {path}: {describe(report)}"))
