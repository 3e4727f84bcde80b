"""`progressbot people export|erase NAME` (a person's data) and `progressbot audit` (who
changed what, when)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.app import open_engine
from bot.cli.app import app, people_app
from bot.cli.common import CliError, JsonOpt, emit_json, out
from bot.cli.people_cmds import cli_actor
from bot.core.clock import SystemClock
from bot.settings import Settings

NameArg = Annotated[str, typer.Argument(help="The person's name (as in `people list`)")]


def _person(s, name: str):
    from storage.people import find_owner

    person = find_owner(s, name)
    if person is None:
        raise CliError(f"nobody called {name!r}: see `progressbot people list`")
    if person.kind != "person":
        raise CliError(f"{person.name!r} is a role, not a person")
    return person


@people_app.command("export")
def people_export(
    name: NameArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default: stdout)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything stored about a person, as JSON: profile, roles over time, updates written,
    sign-offs, nudges, absences, chat conversations and accounts, reassignment requests,
    words waiting on a question, audit entries. The file is readable by its owner only (0600);
    the export is audited."""
    from storage.audit import record
    from storage.engine import write_session
    from storage.people_data import export_person

    with write_session(open_engine(Settings())) as s:
        person = _person(s, name)
        data = export_person(s, person)
        record(
            s,
            actor=cli_actor(),
            action="people.export",
            subject=person.name,
            subject_owner_id=person.id,
            now=SystemClock().now(),
        )
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    from bot.io.private_file import write_private

    if output.is_dir():
        raise CliError(f"--output: {output} is a folder; give a file name")
    try:
        write_private(output, text.encode("utf-8"))
    except OSError as exc:
        raise CliError(f"--output: can't write {output}: {exc.strerror}") from None
    if as_json:
        emit_json({"person": data["profile"]["name"], "file": str(output)})
        return
    out.print(f"Wrote everything stored about {data['profile']['name']} to {output}.")


@people_app.command("erase")
def people_erase(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", help="Really erase (it cannot be undone).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove a person's personal data: their name, email and chat ids everywhere they are
    stored (texts and event ids included), their chat accounts' links (they act as strangers
    afterwards; `people set` can add them again as someone new). The plan's history stays,
    with their updates shown as written by a "former member of staff". Without --yes, says
    what would be erased."""
    from storage.audit import record
    from storage.engine import write_session
    from storage.people_data import erase_person, export_person

    engine = open_engine(Settings())
    with write_session(engine) as s:
        person = _person(s, name)
        if not yes:
            data = export_person(s, person)
            raise CliError(
                f"this erases {person.name}'s personal data for good (email, chat user, "
                f"{len(data['chat_members'])} Teams accounts, {len(data['absences'])} "
                f"absences, {len(data['chat_conversations'])} chat conversations, "
                f"{len(data['pending_words'])} words waiting on a question; their name in "
                f"{len(data['reassign_requests'])} reassignment requests and in everyone's "
                f"texts; {len(data['updates_written'])} updates kept as written by a "
                "former member of staff). Export it first if needed "
                "(`progressbot people export NAME`), then run again with --yes."
            )
        now = SystemClock().now()
        pid = person.id
        result = erase_person(s, person, now=now)
        record(
            s,
            actor=cli_actor(),
            action="people.erase",
            subject=result["person"],
            subject_owner_id=pid,
            now=now,
            **{k: v for k, v in result.items() if k != "person"},
        )
    if as_json:
        emit_json(result)
        return
    out.print(
        f"Erased: now {result['person']}; {result['updates_kept_as_former_member']} updates kept "
        f"as written by a former member of staff."
    )
    if result["actions_still_owned"] or result["theme_leads_cleared"]:
        leads = ", ".join(result["theme_leads_cleared"]) or "none"
        out.print(
            f"Hand on: {result['actions_still_owned']} actions they owned; themes that lost "
            f"their lead: {leads} (`progressbot plan lead THEME NAME`)."
        )


@app.command("audit")
def audit_cmd(
    since: Annotated[
        str | None, typer.Option("--since", help="Only entries on or after this date (YYYY-MM-DD)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Who changed what, when: imports, people and role mapping, plan settings, erasures."""
    from datetime import UTC, date, datetime, time

    from storage.audit import entries, entry_dict
    from storage.engine import read_session

    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), time(0), tzinfo=UTC)
        except ValueError:
            raise CliError(f"--since needs a date as YYYY-MM-DD, not {since!r}") from None
    with read_session(open_engine(Settings())) as s:
        rows = [entry_dict(e) for e in entries(s, since=start)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        details = json.dumps(r["details"], ensure_ascii=False) if r["details"] else ""
        out.print(
            f"{r['at'][:19]}  {r['actor']}  {r['action']}  {r['subject']}  {details}",
            markup=False,
            highlight=False,
        )
    if not rows:
        out.print("No administrative changes recorded yet.")
