"""`progressbot actions QUERY…`: the query language from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, PlanOpt, TodayOpt, emit_json, out, service_for
from bot.settings import Settings


@app.command("actions")
def actions_cmd(
    query: Annotated[
        list[str] | None, typer.Argument(help="Query, e.g. overdue, L4, theme leadership")
    ] = None,
    today: TodayOpt = None,
    as_name: Annotated[
        str | None, typer.Option("--as", help="Ask as this owner (for `mine`).")
    ] = None,
    plan: PlanOpt = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="With `assign`: the person or role to give the actions."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="With `assign`: the owner replaces the action's others."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask about actions with the query language (`progressbot actions help`);
    `actions assign REF… --owner NAME|ROLE [--replace]` gives actions an owner."""
    from bot.core.people import Actor
    from bot.platforms.console.render import render
    from handlers.query import handle_query
    from handlers.replies import ActionList, HelpText, Problem

    settings = Settings()
    if plan:
        settings.plan_name = plan
    if query and query[0].lower() == "assign":
        from bot.cli.owner_cmds import assign_cmd

        assign_cmd(settings, query[1:], owner, replace=replace, today=today, as_json=as_json)
        return
    if owner is not None or replace:
        raise CliError(
            "--owner and --replace go with `progressbot actions assign REF… --owner NAME`"
        )
    service = service_for(settings, today)
    actor = service.actor_for_name(as_name) if as_name else Actor("administrator", is_admin=True)
    reply = handle_query(service, actor, " ".join(query or ["all"]))
    if isinstance(reply, Problem):
        raise CliError(reply.text)
    if as_json:
        if isinstance(reply, HelpText):
            emit_json({"help": reply.text})
        elif isinstance(reply, ActionList):
            from bot.platforms.console.reports import action_dict

            emit_json(
                {
                    "query": reply.title,
                    "today": reply.today,
                    "actions": [action_dict(a) for a in reply.actions],
                    **({"detail": reply.detail.as_dict()} if reply.detail else {}),
                }
            )
        return
    out.print(render(reply))
