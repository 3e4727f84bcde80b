"""`progressbot report`: the board report ("Update on Progress") as at a date, written as
XLSX, DOCX, HTML or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import build_service
from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, PlanOpt, TodayOpt, clock_for, emit_json, out
from bot.settings import Settings


@app.command("report")
def report_cmd(
    as_at: Annotated[
        str | None,
        typer.Option(
            "--as-at", help="The report's date (30/11/2019, 2019-11-30, 'November 2019')."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="xlsx, docx, html or csv (default: from --out, else xlsx)."),
    ] = None,
    theme: Annotated[
        str | None, typer.Option("--theme", help="Only themes whose name contains this.")
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="File (or folder) to write; default: a name in this folder."),
    ] = None,
    changes_since: Annotated[
        str | None,
        typer.Option("--changes-since", help="Mark what changed since this earlier date."),
    ] = None,
    with_extras: Annotated[
        str | None,
        typer.Option(
            "--with",
            help="Add to the plan's own table: any of status,owner,changes,attribution,slips "
            "(comma-separated), all, or none (default: the plan's `plan set --report-with`).",
        ),
    ] = None,
    today: TodayOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the board report as at a date (default today): the plan's own table, cell for
    cell, its progress column filled in; grouped by theme, with a summary and the status
    chart. Written to this folder (or --out), the full path printed."""
    from bot.core.clock import local_today
    from bot.core.report import read_extras
    from bot.io.report_layout import ReportError, default_name, format_for
    from bot.io.report_writers import write_report
    from handlers.report import ReportRequest, describe, read_report_date, report_for

    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = build_service(settings, clock_for(today))
    try:
        kind = format_for(out_path, fmt)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    now = local_today(service.clock, service.plan().timezone)
    try:
        extras = read_extras(with_extras) if with_extras is not None else None
    except ValueError as exc:
        raise CliError(str(exc), where="--with") from None
    request = ReportRequest(
        as_at=read_report_date(as_at, now) if as_at else None,
        theme=theme,
        since=read_report_date(changes_since, now) if changes_since else None,
        fmt=kind,
        extras=extras,
    )
    report = report_for(service, request)
    target = out_path if out_path is not None else Path(default_name(report, kind))
    written = write_report(report, kind, target)
    if as_json:
        emit_json({"file": str(written), "format": kind, **report.as_dict()})
        return
    out.print(f"wrote {written}", highlight=False, markup=False)
    out.print(describe(report), highlight=False, markup=False)
