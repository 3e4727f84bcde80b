"""Owners where the plan names none (issue 18, point 4): seed 000's plan has no owner column,
so the programme office gives its actions owners by hand — `progressbot actions assign`,
`progressbot owners import FILE.csv` — and the assignments survive re-importing the plan
(also from a renamed copy), and the owners are nudged. Real `progressbot` processes on
SQLite and on PostgreSQL. Slack and Teams `/actions assign` are in
tests/test_owners_in_chat.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from sqlmodel import select

from storage.engine import read_session
from storage.models import ActionOwner, AuditEntry
from tests.support.cli_process import run_cli

ROOT = Path(__file__).resolve().parent.parent
SEED000 = ROOT / "tests" / "fixtures" / "plans" / "seed000.xlsx"

# Seed 000's actions by the start of their text (the plan gives them no references).
RECOGNITION = "Review and refocus of staff recognition scheme"
SUGGESTIONS = "Alignment of directorate suggestion schemes"
IMPLEMENT = "Implement the CCG and system response"
TENPERCENT = "Review the 10%ers scheme"


def cli(engine, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "PLAN_NAME": "", "COLUMNS": "200"}
    for var in ("SLACK_BOT_TOKEN", "TEAMS_CLIENT_ID"):
        env.pop(var, None)
    proc = run_cli(args, cwd=ROOT, env=env, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def cli_json(engine, args: list[str]):
    return json.loads(cli(engine, [*args, "--json"]).stdout)


def labels(engine) -> dict[str, str]:
    """Each action's label (``#id``) by the start of its text."""
    actions = cli_json(engine, ["actions", "all"])["actions"]
    return {a["text"]: a["ref"] or f"#{a['id']}" for a in actions}


def label_of(table: dict[str, str], start: str) -> str:
    (found,) = [label for text, label in table.items() if text.startswith(start)]
    return found


def owners_of(engine, label: str) -> list[str]:
    (action,) = cli_json(engine, ["actions", label])["actions"]
    return action["owners"]


def links(engine) -> list[tuple[int, int, bool]]:
    with read_session(engine) as s:
        return sorted(
            (link.action_id, link.owner_id, link.by_hand) for link in s.exec(select(ActionOwner))
        )


def audit_count(engine) -> int:
    with read_session(engine) as s:
        return len(list(s.exec(select(AuditEntry))))


def test_seed000_gets_owners_by_cli_and_csv_keeps_them_on_reimport_and_nudges_them(
    engine, tmp_path
):
    cli(engine, ["import", str(SEED000), "--today", "2019-11-01"])
    unowned = cli_json(engine, ["actions", "unowned"])["actions"]
    assert len(unowned) == 33  # no owner column: nobody owns anything
    table = labels(engine)
    recognition, suggestions = label_of(table, RECOGNITION), label_of(table, SUGGESTIONS)
    implement, tenpercent = label_of(table, IMPLEMENT), label_of(table, TENPERCENT)

    # Way 1: the command line, several references at once; a name nobody has is created.
    said = cli_json(
        engine, ["actions", "assign", recognition, implement, "--owner", "Julie Fellows"]
    )
    (julie,) = said["assigned"]
    assert julie["owner"] == "Julie Fellows" and julie["kind"] == "person" and julie["created"]
    assert julie["assigned"] == [recognition, implement]
    cli(engine, ["people", "set", "Julie Fellows", "--email", "julie@example.org"])

    # Refused, naming what is wrong, and nothing written: an unknown reference, a look-alike.
    before, entries = links(engine), audit_count(engine)
    bad = cli(engine, ["actions", "assign", recognition, "#99999", "--owner", "X Y"], check=False)
    assert bad.returncode == 1 and "'#99999'" in bad.stderr and "nothing was assigned" in bad.stderr
    alike = cli(engine, ["actions", "assign", tenpercent, "--owner", "Julie Fellow"], check=False)
    assert alike.returncode == 1 and "'Julie Fellows'" in alike.stderr
    none = cli(engine, ["actions", "assign", tenpercent], check=False)
    assert none.returncode == 1 and "--owner" in none.stderr
    assert links(engine) == before and audit_count(engine) == entries

    # Way 2: an owners file, one row by the action's text (as the plan writes it, in other
    # capitals and spacing), one by its label; the role is held by Pat.
    good = tmp_path / "owners.csv"
    full = next(t for t in table if t.startswith(SUGGESTIONS))
    good.write_text(
        f'action,owner\n"  {full.upper()}  ",Director of Workforce\n'
        f"{tenpercent},Director of Workforce\n",
        encoding="utf-8",
    )
    # A row that matches nothing refuses the whole file, naming the row.
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(
        f"reference,owner\n{tenpercent},Director of Workforce\nNo such action here,Someone Else\n",
        encoding="utf-8",
    )
    refused = cli(engine, ["owners", "import", str(bad_file)], check=False)
    assert refused.returncode == 1 and "row 3" in refused.stderr, refused.stderr
    assert "Nothing was assigned" in refused.stderr
    assert links(engine) == before and audit_count(engine) == entries
    # Text that is not an action's whole text matches nothing: no guessing.
    partial = tmp_path / "partial.csv"
    partial.write_text(f"action,owner\n{SUGGESTIONS},Director of Workforce\n", encoding="utf-8")
    assert cli(engine, ["owners", "import", str(partial)], check=False).returncode == 1
    dry = cli_json(engine, ["owners", "import", str(good), "--dry-run"])
    assert dry["dry_run"] and dry["added"] == 2
    assert links(engine) == before and audit_count(engine) == entries  # a dry run writes nothing
    done = cli_json(engine, ["owners", "import", str(good)])
    assert done["added"] == 2
    assert sorted(done["assigned"][0]["assigned"]) == sorted([suggestions, tenpercent])
    assert done["assigned"][0]["kind"] == "role"
    cli(engine, ["people", "set", "Pat Officer", "--email", "pat@example.org", "--role",
                 "Director of Workforce"])  # fmt: skip

    assert len(cli_json(engine, ["actions", "unowned"])["actions"]) == 29
    hand = links(engine)
    assert len(hand) == 4 and all(by_hand for _, _, by_hand in hand)

    # Re-import the plan, and again from a renamed copy: the file names no owners, so the
    # assignments stay.
    cli(engine, ["import", str(SEED000), "--today", "2019-11-02"])
    renamed = tmp_path / "OD plan v2 (final).xlsx"
    shutil.copy(SEED000, renamed)
    again = cli_json(engine, ["import", str(renamed), "--today", "2019-11-03"])
    assert again["created"] == 0 and again["archived"] == 0
    assert links(engine) == hand
    assert owners_of(engine, recognition) == ["Julie Fellows"]
    assert owners_of(engine, suggestions) == ["Director of Workforce"]

    # The sweep nudges them: Julie for her two, Pat (holding the role) for the role's.
    dry_sweep = cli_json(engine, ["sweep", "dry", "--today", "2019-11-04T10:00"])
    nudged = {n["recipient"]: {i["ref"] for i in n["actions"]} for n in dry_sweep["nudged"]}
    assert nudged.get("Julie Fellows", set()) & {recognition, implement}, dry_sweep
    assert nudged.get("Pat Officer", set()) & {suggestions, tenpercent}, dry_sweep
    text = cli(engine, ["sweep", "dry", "--today", "2019-11-04T10:00"]).stdout
    assert "Review and refocus of staff" in text  # the action's words, not just "#12"
    sent = cli_json(engine, ["sweep", "--today", "2019-11-04T10:00"])
    assert {n["recipient"] for n in sent["nudged"]} >= {"Julie Fellows", "Pat Officer"}
    assert not sent["failures"]


def test_hand_owners_beside_the_files_owners(engine, tmp_path):
    """When the file later names an owner for a row given one by hand, both own it (the
    file's first); when the file drops its owner again, the hand-given one stays."""
    plain = tmp_path / "plan.csv"
    plain.write_text(
        "Ref,Action,Deadline,Owner\nA1,Write the policy,March 2020,\nA2,Train the team,June 2020,\n",
        encoding="utf-8",
    )
    cli(engine, ["import", str(plain), "--plan", "Policy plan", "--today", "2019-11-01"])
    cli(engine, ["actions", "assign", "A1", "A2", "--owner", "Julie Fellows"])
    named = tmp_path / "plan named.csv"
    named.write_text(
        "Ref,Action,Deadline,Owner\n"
        "A1,Write the policy,March 2020,Director of Nursing\n"
        "A2,Train the team,June 2020,Julie Fellows\n",
        encoding="utf-8",
    )
    cli(engine, ["import", str(named), "--plan", "Policy plan", "--today", "2019-11-02"])
    assert owners_of(engine, "A1") == ["Director of Nursing", "Julie Fellows"]
    assert owners_of(engine, "A2") == ["Julie Fellows"]
    cli(engine, ["import", str(plain), "--plan", "Policy plan", "--today", "2019-11-03"])
    assert owners_of(engine, "A1") == ["Julie Fellows"]
    assert owners_of(engine, "A2") == ["Julie Fellows"]  # given by hand: stays
    # --replace: the named owner becomes the only one (audited like any assignment).
    cli(engine, ["actions", "assign", "A1", "--owner", "Director of Nursing", "--replace"])
    assert owners_of(engine, "A1") == ["Director of Nursing"]
    trail = cli_json(engine, ["audit"])
    assigned = [e for e in trail if e["action"] == "actions.assign"]
    # One entry per owner and request, naming every action.
    assert [(e["subject"], e["details"]["assigned"]) for e in assigned] == [
        ("Julie Fellows", ["A1", "A2"]),
        ("Director of Nursing", ["A1"]),  # the file that named them was imported over
    ]
    assert assigned[-1]["details"]["removed"] == [{"action": "A1", "owner": "Julie Fellows"}]


def test_owners_file_of_numbered_roles_is_not_refused_as_look_alikes(engine, tmp_path):
    """Names apart by a number are different owners, and owners new in the same file are
    not look-alikes of each other; a slip for a known owner still is."""
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "Ref,Action,Deadline\nB1,Open the hub,March 2020\nB2,Close the hub,June 2020\n",
        encoding="utf-8",
    )
    cli(engine, ["import", str(plan), "--plan", "Hubs", "--today", "2019-11-01"])
    owners = tmp_path / "owners.csv"
    owners.write_text("B1,Director of Area 1\nB2,Director of Area 2\n", encoding="utf-8")
    done = cli_json(engine, ["owners", "import", str(owners)])
    assert done["added"] == 2 and {d["owner"] for d in done["assigned"]} == {
        "Director of Area 1",
        "Director of Area 2",
    }
    slip = cli(engine, ["actions", "assign", "B1", "--owner", "Directors of Area 2"], check=False)
    assert slip.returncode == 1 and "'Director of Area 2'" in slip.stderr
