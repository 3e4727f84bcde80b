"""The typer application and its sub-command groups (commands register themselves)."""

from __future__ import annotations

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Import plans, query actions, read deadlines, manage people, and run the bot.",
)
people_app = typer.Typer(no_args_is_help=True, help="Owners, their emails and roles.")
app.add_typer(people_app, name="people")
