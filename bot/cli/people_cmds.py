"""`progressbot people list|set|import`: owners, emails and the roles they hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import open_engine
from bot.cli.app import people_app
from bot.cli.common import CliError, JsonOpt, emit_json, out
from bot.core.clock import SystemClock
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


YesOpt = Annotated[
    bool,
    typer.Option("--yes", help="Confirm a change of someone's email (it unlinks their chat user)."),
]


def cli_actor() -> str:
    """How the audit trail names whoever runs the command line."""
    import getpass

    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name for this uid (e.g. in a container)
        return "command line"


@people_app.command("set")
def people_set(
    name: Annotated[str, typer.Argument(help="The person's name")],
    email: Annotated[
        str | None, typer.Option("--email", help="Their email (matches chat users)")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="A role they now hold")] = None,
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="Administrator?")] = None,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add or change a person; `--role` makes them the holder of a role. Changing an email
    someone already has needs `--yes` (and they are matched to chat again by the new one)."""
    from bot.core.people_admin import NeedsConfirmation, set_person

    if email is not None and ("@" not in email or " " in email.strip()):
        raise CliError(f"--email: {email!r} is not an email address")
    try:
        row = set_person(
            open_engine(Settings()),
            SystemClock(),
            name,
            email=email,
            role=role,
            is_admin=admin,
            by=cli_actor(),
            confirmed=yes,
        )
    except NeedsConfirmation as exc:
        raise CliError(f"{exc} Run again with --yes to confirm.") from None
    if as_json:
        emit_json(row.as_dict())
        return
    held = f", holds {', '.join(row.links)}" if row.links else ""
    out.print(f"{row.name} <{row.email or 'no email'}>{held}")


@people_app.command("import")
def people_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns name,email[,role]")],
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Load people (and the roles they hold) from CSV. Rows that change the email of
    someone already known need `--yes`."""
    from bot.core.people_admin import NeedsConfirmation, import_people

    try:
        n = import_people(
            open_engine(Settings()), SystemClock(), file, by=cli_actor(), confirmed=yes
        )
    except NeedsConfirmation as exc:
        raise CliError(f"{exc} Run again with --yes to confirm.") from None
    if as_json:
        emit_json({"people": n})
        return
    out.print(f"Loaded {n} people.")
