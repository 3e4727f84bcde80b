"""`progressbot people roles merge A B`: one role written two ways made one (the import lists
such look-alikes, bot/core/role_names.py). A's actions, theme leads and holders move to B;
A is removed; the change is audited."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import people_app
from bot.cli.common import CliError, JsonOpt, TodayOpt, emit_json, out, service_for
from bot.settings import Settings

roles_app = typer.Typer(no_args_is_help=True, help="Role names: merge two spellings of one role.")
people_app.add_typer(roles_app, name="roles")


@roles_app.command("merge")
def roles_merge(
    old: Annotated[str, typer.Argument(help="The role name to fold away (e.g. AO)")],
    new: Annotated[str, typer.Argument(help="The role name to keep (e.g. Accountable Officer)")],
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make role OLD one with role NEW: OLD's actions, theme leads and holders move to NEW,
    and OLD is removed (audited)."""
    from bot.cli.people_cmds import cli_actor
    from storage.engine import write_session
    from storage.plan_match import RoleMergeError, merge_roles

    service = service_for(Settings(), today)
    try:
        with write_session(service.engine) as session:
            done = merge_roles(session, old, new, now=service.clock.now(), by=cli_actor())
    except RoleMergeError as exc:
        raise CliError(str(exc), where="people roles merge") from None
    data = {
        "merged": done.old,
        "into": done.new,
        "actions": done.actions,
        "themes": done.themes,
        "holders": done.holders,
    }
    if as_json:
        emit_json(data)
        return
    out.print(
        f"“{done.old}” is now “{done.new}”: {done.actions} action(s), {done.themes} theme "
        f"lead(s) and {done.holders} holder(s) moved; “{done.old}” removed",
        markup=False,
        highlight=False,
    )
