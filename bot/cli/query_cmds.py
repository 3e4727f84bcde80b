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
    as_json: JsonOpt = False,
) -> None:
    """Ask about actions with the query language (`progressbot actions help`)."""
    from bot.core.people import Actor
    from bot.platforms.console.render import render
    from handlers.query import handle_query
    from handlers.replies import ActionList, HelpText, Problem

    settings = Settings()
    if plan:
        settings.plan_name = plan
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
                }
            )
        return
    out.print(render(reply))
