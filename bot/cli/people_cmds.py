"""`progressbot people list|set|import`: owners, emails and the roles they hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import open_engine
from bot.cli.app import people_app
from bot.cli.common import CliError, JsonOpt, PlanOpt, TodayOpt, emit_json, out, service_for
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
    platform: Annotated[
        list[str] | None,
        typer.Option(
            "--platform",
            help="Say who can't be reached on this platform (slack, teams; repeatable). "
            "Default: the platforms configured.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Owners, emails, roles held, chat matching, and why someone can't be reached yet."""
    from bot.core.people_admin import people_rows, unmatched

    settings = Settings()
    platforms = chat_platforms(settings, platform)
    engine = open_engine(settings)
    rows = unmatched(engine, platforms) if unmatched_only else people_rows(engine, platforms)
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    from bot.platforms.console.reports import people_table

    title = "Who can't be reached yet, and why" if unmatched_only else "People and roles"
    out.print(people_table(rows, title=title))
    from storage.engine import read_session
    from storage.plan_match import unheld_roles

    with read_session(engine) as s:
        unheld = unheld_roles(s)
    if unheld:
        # A role nobody holds is a role whose actions nudge nobody: say so every time.
        shown = ", ".join(unheld[:20]) + (
            f" and {len(unheld) - 20} more" if len(unheld) > 20 else ""
        )
        noun = "role nobody holds" if len(unheld) == 1 else "roles nobody holds"
        out.print(
            f"{len(unheld)} {noun} (their actions nudge nobody): {shown} — "
            "`people set NAME --email E --role ROLE`"
        )


def chat_platforms(settings: Settings, asked: list[str] | None = None) -> tuple[str, ...]:
    """The platforms whose reachability `people list` reports: those asked for, else those
    configured (Slack with a bot token; Teams with a Teams app id), else Slack."""
    from bot.core.people_admin import PLATFORMS

    if asked:
        wrong = [p for p in asked if p.lower() not in PLATFORMS]
        if wrong:
            raise CliError(f"--platform: {wrong[0]!r} is not one of {', '.join(PLATFORMS)}")
        return tuple(dict.fromkeys(p.lower() for p in asked))
    configured = []
    if settings.has_slack:
        configured.append("slack")
    # The Teams adapter's settings (branch `teams`) name the app's client id.
    if getattr(settings, "has_teams", False) or getattr(settings, "teams_client_id", ""):
        configured.append("teams")
    return tuple(configured) or ("slack",)


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
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or change a person; `--role` makes them the holder of a role. Changing an email
    someone already has needs `--yes` (and they are matched to chat again by the new one)."""
    from bot.core.people_admin import NeedsConfirmation, set_person

    if email is not None and ("@" not in email or " " in email.strip()):
        raise CliError(f"--email: {email!r} is not an email address")
    service = service_for(Settings(), today)  # a role is held from "now"
    try:
        row = set_person(
            service.engine,
            service.clock,
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
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load people (and the roles they hold) from CSV. Rows that change the email of
    someone already known need `--yes`."""
    from bot.core.people_admin import NeedsConfirmation, import_people

    service = service_for(Settings(), today)
    try:
        n = import_people(service.engine, service.clock, file, by=cli_actor(), confirmed=yes)
    except NeedsConfirmation as exc:
        raise CliError(f"{exc} Run again with --yes to confirm.") from None
    if as_json:
        emit_json({"people": n})
        return
    out.print(f"Loaded {n} people.")


@people_app.command("requests")
def people_requests(
    plan: PlanOpt = None,
    resolve: Annotated[
        int | None, typer.Option("--resolve", help="Mark request ID dealt with")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open reassignment requests ("this is no longer my action") from owners."""
    from storage.engine import read_session, write_session
    from storage.models import Action
    from storage.queries import action_label, get_plan
    from storage.reassign import open_reassign_requests, resolve_reassign_request

    settings = Settings()
    engine = open_engine(settings)
    if resolve is not None:
        with write_session(engine) as s:
            resolve_reassign_request(s, resolve, now=SystemClock().now())
        out.print(f"Request {resolve} marked as dealt with.")
        return
    rows = []
    with read_session(engine) as s:
        p = get_plan(s, plan or settings.plan_name or None)
        for r in open_reassign_requests(s, p.id):
            a = s.get(Action, r.action_id)
            rows.append(
                {
                    "id": r.id,
                    "action": action_label(a),
                    "from": r.requested_by_name,
                    "text": r.text,
                    "at": r.created_at.isoformat(),
                }
            )
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("No open reassignment requests.")
    for r in rows:
        out.print(
            f"[{r['id']}] {r['action']}: {r['from']} ({r['at'][:16]}): {r['text']}", markup=False
        )
