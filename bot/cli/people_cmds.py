"""`progressbot people list|set|import`: owners, emails and the roles they hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import open_engine
from bot.cli.app import people_app
from bot.cli.common import CliError, JsonOpt, TodayOpt, emit_json, out, service_for
from bot.settings import Settings


@people_app.command("list")
def people_list(
    unmatched_only: Annotated[
        bool,
        typer.Option(
            "--unmatched", help="Only those not yet matched to a chat user / unheld roles."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Owners, emails, roles held, and chat matching."""
    from bot.core.people_admin import people_rows, unmatched

    engine = open_engine(Settings())
    rows = unmatched(engine) if unmatched_only else people_rows(engine)
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    from bot.platforms.console.reports import people_table

    out.print(people_table(rows))


@people_app.command("set")
def people_set(
    name: Annotated[str, typer.Argument(help="The person's name")],
    email: Annotated[
        str | None, typer.Option("--email", help="Their email (matches chat users)")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="A role they now hold")] = None,
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="Administrator?")] = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or change a person; `--role` makes them the holder of a role."""
    from bot.core.people_admin import set_person

    if email is not None and ("@" not in email or " " in email.strip()):
        raise CliError(f"--email: {email!r} is not an email address")
    service = service_for(Settings(), today)  # a role is held from "now"
    row = set_person(service.engine, service.clock, name, email=email, role=role, is_admin=admin)
    if as_json:
        emit_json(row.as_dict())
        return
    held = f", holds {', '.join(row.links)}" if row.links else ""
    out.print(f"{row.name} <{row.email or 'no email'}>{held}")


@people_app.command("import")
def people_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns name,email[,role]")],
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load people (and the roles they hold) from CSV."""
    from bot.core.people_admin import import_people

    service = service_for(Settings(), today)
    n = import_people(service.engine, service.clock, file)
    if as_json:
        emit_json({"people": n})
        return
    out.print(f"Loaded {n} people.")


