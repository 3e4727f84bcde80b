"""What an import warns about (SQLite and PostgreSQL): actions nobody owns, role names that
are one role written two ways (seed 004's "Directors of Corporate Affairs", "AO"), roles
nobody holds; singular and plural in the summary; rows named by their action's words; and
`people roles merge`, which joins two spellings of a role for good."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.role_names import LookAlike, look_alikes
from bot.io.plan_import import import_plan
from bot.platforms.console.reports import import_summary
from storage.audit import entries
from storage.engine import read_session, write_session
from storage.models import ActionOwner, Owner, RoleAlias, Theme
from storage.people import assign_role, find_owner, role_holder, upsert_person
from storage.plan_match import RoleMergeError, merge_roles, unheld_roles
from storage.plans import set_theme_lead
from tests.test_cli import run

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
CLOCK = FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC))
LATER = FixedClock(datetime(2021, 5, 1, 9, tzinfo=UTC))
SEED004_ROLES = [
    "AO",
    "Accountable Officer",
    "All Directors",
    "CSU",
    "Director of Corporate Affairs",
    "Director of Governance",
    "Director of Partnerships",
    "Directors of Corporate Affairs",
    "New Chair",
    "New Clinical Chair",
]


def shown(result) -> str:
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(import_summary(result))
    return console.export_text()


def _owned(session, name: str) -> int:
    owner = find_owner(session, name)
    if owner is None:
        return 0
    return len(list(session.exec(select(ActionOwner).where(ActionOwner.owner_id == owner.id))))


def test_seed004_look_alike_and_unheld_roles_are_listed(engine):
    r = import_plan(engine, CLOCK, PLANS / "seed004.docx")
    assert r.checks.look_alikes == [
        LookAlike("AO", "Accountable Officer", "abbreviation"),
        LookAlike(
            "Directors of Corporate Affairs", "Director of Corporate Affairs", "plural/singular"
        ),
    ]
    assert r.checks.unheld_roles == SEED004_ROLES
    assert r.checks.unowned == []
    text = shown(r)
    assert (
        '“AO” / “Accountable Officer” (abbreviation): progressbot people roles merge "AO" '
        '"Accountable Officer"'
    ) in text
    assert (
        "“Directors of Corporate Affairs” / “Director of Corporate Affairs” (plural/singular)"
        in text
    )
    assert "10 roles nobody holds yet" in text and "CSU" in text
    # A role someone holds is no longer listed, after the next import or in `people list`.
    with write_session(engine) as s:
        sam = upsert_person(s, "Sam Okafor", email="sam@example.org", now=CLOCK.now())
        assign_role(s, "CSU", sam, now=CLOCK.now())
    again = import_plan(engine, LATER, PLANS / "seed004.docx")
    assert "CSU" not in again.checks.unheld_roles and len(again.checks.unheld_roles) == 9
    with read_session(engine) as s:
        assert unheld_roles(s) == again.checks.unheld_roles


def test_unowned_actions_are_counted_and_listed(engine):
    r = import_plan(engine, CLOCK, PLANS / "seed000.csv")
    assert len(r.checks.unowned) == 33 and r.checks.unowned[0][1].startswith(
        "Develop a system response to the long term plan"
    )
    text = shown(r)
    assert "33 actions have no owner: nobody will be nudged about them — `actions unowned`" in text
    assert "“Develop a system response to the long term plan to be…”" in text
    assert "… and 13 more" in text
    assert json.loads(json.dumps(r.as_dict()))["unowned"][0]["ref"] is None


def test_summary_is_singular_for_one_and_names_rows_by_their_action(engine, tmp_path):
    f = tmp_path / "tiny.csv"
    f.write_text(
        "Tiny plan\n\nTheme,Action,Deadline,Owner,Status,Update\n"
        "Governance,Deliver shared Constitution between the two CCGs,December 2020 Revised: "
        "June 20,Director of Governance,Purple,Drafted\n",
        encoding="utf-8",
    )
    r = import_plan(engine, CLOCK, f)
    text = shown(r)
    assert "1 theme, 0 objectives, 1 action, 1 owner, 1 progress update" in text
    assert "1 deadline needs a look (kept as written)" in text
    assert "“Deliver shared Constitution between the two CCGs”" in text
    assert (
        "note: “Deliver shared Constitution between the…”, column 'Status': can't read "
        "'Purple' as a status"
    ) in text
    assert "1 role nobody holds yet" in text
    assert "row 4" not in text


def test_look_alikes_rules():
    roles = [
        ("Head of HR & OD", 2),
        ("head of HR and  OD", 1),
        ("Senior Responsible Officer", 1),
        ("SRO", 3),
        ("Director of Finance", 4),
        ("DoF", 1),
        ("Director of Nursing", 1),
        ("Directors", 1),
    ]
    assert look_alikes(roles) == [
        LookAlike("head of HR and  OD", "Head of HR & OD", "spelling"),
        LookAlike("SRO", "Senior Responsible Officer", "abbreviation"),
    ]
    assert look_alikes(roles, among={"Director of Nursing"}) == []


def test_roles_merge_moves_actions_leads_and_holder(engine):
    import_plan(engine, CLOCK, PLANS / "seed004.csv")
    with write_session(engine) as s:
        ao_actions, officer_actions = _owned(s, "AO"), _owned(s, "Accountable Officer")
        jo = upsert_person(s, "Jo Bloggs", email="jo@example.org", now=CLOCK.now())
        assign_role(s, "AO", jo, now=CLOCK.now())
        theme = s.exec(select(Theme).where(Theme.name == "People Development")).one()
        set_theme_lead(s, theme, find_owner(s, "AO"))
    assert ao_actions > 0 and officer_actions > 0
    with write_session(engine) as s:
        done = merge_roles(s, "AO", "Accountable Officer", now=LATER.now(), by="test")
    assert (done.themes, done.holders) == (1, 1)
    with read_session(engine) as s:
        assert find_owner(s, "AO") is None
        officer = find_owner(s, "Accountable Officer")
        assert _owned(s, "Accountable Officer") == officer_actions + done.actions
        assert done.actions <= ao_actions
        assert role_holder(s, officer.id).name == "Jo Bloggs"
        theme = s.exec(select(Theme).where(Theme.name == "People Development")).one()
        assert theme.lead_owner_id == officer.id
        assert [e.action for e in entries(s)][-1] == "role.merge"
        assert s.exec(select(RoleAlias.name)).all() == ["AO"]
    # The file still writes "AO": a re-import gives those actions to the merged role and
    # no longer calls them look-alikes.
    again = import_plan(engine, LATER, PLANS / "seed004.csv")
    assert again.sync.created == 0 and again.sync.archived == 0
    assert [x.merge for x in again.checks.look_alikes] == ["Directors of Corporate Affairs"]
    with read_session(engine) as s:
        assert find_owner(s, "AO") is None
        assert _owned(s, "Accountable Officer") == officer_actions + done.actions


def test_roles_merge_refuses_unknown_names_and_people(engine):
    import_plan(engine, CLOCK, PLANS / "seed004.csv")
    with write_session(engine) as s:
        upsert_person(s, "Jo Bloggs", email="jo@example.org", now=CLOCK.now())
    for old, new, said in (
        ("Nobody Here", "CSU", "no role named 'Nobody Here'"),
        ("CSU", "Nor Here", "no role named 'Nor Here'"),
        ("Jo Bloggs", "CSU", "'Jo Bloggs' is a person, not a role"),
        ("CSU", "csu", "are the same role already"),
    ):
        with pytest.raises(RoleMergeError, match=said), write_session(engine) as s:
            merge_roles(s, old, new, now=LATER.now(), by="test")
    with read_session(engine) as s:
        assert find_owner(s, "CSU") is not None
        assert s.exec(select(Owner).where(Owner.kind == "role")).all()


# ---- the command line (real processes, SQLite) ---------------------------------------------


def test_cli_roles_merge_and_its_refusals(tmp_path):
    db = tmp_path / "cli.db"
    run(["import", str(PLANS / "seed004.csv")], db)
    out = json.loads(
        run(
            [
                "people",
                "roles",
                "merge",
                "Directors of Corporate Affairs",
                "Director of Corporate Affairs",
                "--json",
            ],
            db,
        ).stdout
    )
    assert out["merged"] == "Directors of Corporate Affairs" and out["actions"] == 3
    # `people list` names the roles nobody holds, every time it runs.
    listed = run(["people", "list"], db).stdout
    unheld = " ".join(listed[listed.index("roles nobody holds") :].split())
    assert "Director of Corporate Affairs" in unheld and "CSU" in unheld
    assert "Directors of Corporate Affairs" not in unheld  # merged away
    bad = run(["people", "roles", "merge", "Nobody", "CSU"], db, check=False)
    assert bad.returncode != 0 and "no role named 'Nobody'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_cli_import_refuses_an_unclear_file_and_says_how_to_choose(tmp_path):
    from tests.test_plans_side_by_side import _edited_copy

    db = tmp_path / "cli.db"
    run(["import", str(PLANS / "seed004.csv")], db)
    f = _edited_copy(
        PLANS / "seed004.csv", tmp_path / "people.csv", title="People plan", keep=10, extra=20
    )
    bad = run(["import", str(f)], db, check=False)
    assert bad.returncode != 0
    assert "can't tell which plan this file is" in bad.stderr and "--new" in bad.stderr
    dry = run(["import", str(f), "--new", "--dry-run"], db).stdout
    assert "would create a new plan “People plan” (--new)" in dry
    made = json.loads(run(["import", str(f), "--new", "--json"], db).stdout)
    assert made["plan"] == "People plan" and made["plan_created"] and made["archived"] == 0
    listed = json.loads(run(["plan", "list", "--json"], db).stdout)
    assert len(listed) == 2 or len(listed.get("plans", [])) == 2


def test_cli_missing_file_is_named_as_given(tmp_path):
    db = tmp_path / "cli.db"
    bad = run(["import", "tests/fixtures/plans/no such plan.xlsx"], db, check=False)
    assert bad.returncode != 0
    assert "tests/fixtures/plans/no such plan.xlsx: file not found" in bad.stderr
