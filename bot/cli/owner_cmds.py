"""`progressbot actions assign REF… --owner NAME|ROLE` and `progressbot owners import
FILE.csv`: owners given by hand where the plan's file names none (bot/core/assign.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, PlanOpt, TodayOpt, emit_json, out, service_for
from bot.settings import Settings

owners_app = typer.Typer(no_args_is_help=True, help="Owners given by hand, from a file.")
app.add_typer(owners_app, name="owners")


def assign_cmd(
    settings: Settings,
    refs: list[str],
    owner: str | None,
    *,
    replace: bool,
    today: str | None,
    as_json: bool,
) -> None:
    """`progressbot actions assign`: every reference checked, then all assigned or none."""
    from bot.cli.people_cmds import cli_actor
    from bot.core.assign import AssignError, assign, find_actions

    if not refs:
        raise CliError(
            "name the actions: `progressbot actions assign L4 L5 --owner NAME`",
            where="progressbot actions assign",
        )
    if owner is None or not owner.strip():
        raise CliError(
            "say who: `progressbot actions assign REF… --owner NAME` (a person or a role)",
            where="--owner",
        )
    service = service_for(settings, today)
    snap = service.snapshot()
    try:
        actions = find_actions(snap, refs)
        done = assign(
            service.engine,
            service.clock,
            snap,
            [(a, owner) for a in actions],
            replace=replace,
            by=cli_actor(),
        )
    except AssignError as exc:
        raise CliError(str(exc), where="progressbot actions assign") from None
    if as_json:
        emit_json({"plan": _plans_read(snap), "assigned": [d.as_dict() for d in done]})
        return
    for d in done:
        out.print(d.text(), markup=False, highlight=False)


@owners_app.command("import")
def owners_import(
    file: Annotated[Path, typer.Argument(help="CSV: reference (or action text), owner")],
    plan: PlanOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and say what would change.")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Each action's owners become exactly the file's rows."),
    ] = False,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give actions owners from a CSV file (columns: reference or action text, owner).
    Every row is checked first; a row that names no action, or several, is refused naming
    the row, and then nothing is assigned."""
    from bot.cli.people_cmds import cli_actor
    from bot.core.assign import AssignError, assign
    from bot.core.assign_rows import match_rows
    from bot.io.owner_rows import OwnerFileError, read_owner_rows

    settings = Settings()
    if plan:
        settings.plan_name = plan
    try:
        rows = read_owner_rows(file)
    except OwnerFileError as exc:
        raise CliError(str(exc), where=exc.where) from None
    service = service_for(settings, today)
    snap = service.snapshot()
    try:
        pairs = match_rows(snap, rows)
        done = assign(
            service.engine,
            service.clock,
            snap,
            pairs,
            replace=replace,
            by=cli_actor(),
            how=f"owners import {file.name}",
            dry_run=dry_run,
        )
    except AssignError as exc:
        raise CliError(str(exc), where=str(file)) from None
    added = sum(len(d.added) for d in done)
    if as_json:
        emit_json(
            {"plan": _plans_read(snap), "rows": len(rows), "added": added, "dry_run": dry_run,
             "assigned": [d.as_dict() for d in done]}
        )  # fmt: skip
        return
    head = "Dry run, nothing assigned: would add" if dry_run else "Added"
    out.print(
        f"{head} {added} assignments from {len(rows)} rows, {len(done)} owners, "
        f"in plan “{_plans_read(snap)}”.",
        markup=False,
        highlight=False,
    )
    for d in done:
        out.print(f"  {d.text()}", markup=False, highlight=False)


def _plans_read(snap) -> str:
    """The plan the command worked in; with several read together (no --plan), each of them,
    not the first one's name alone."""
    return ", ".join(snap.plan_names.values()) if len(snap.plan_names) > 1 else snap.plan.name
