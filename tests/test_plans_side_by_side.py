"""Several plans in one database (SQLite and PostgreSQL): seeds 000, 002 and 004 imported
side by side keep their own actions, owners, settings and history; re-importing one (also
from a renamed copy) updates only it; a different plan never archives another's action;
a file the bot cannot place is refused, naming the candidates, and nothing is written."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.io.plan_choice import PlanChoiceError
from bot.io.plan_import import import_plan
from bot.platforms.console.reports import import_summary
from storage.engine import read_session, write_session
from storage.models import Action, ActionOwner, Owner, Plan, Update
from storage.plans import update_plan
from tests.test_plan_import import _counts

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
CLOCK = FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC))
LATER = FixedClock(datetime(2021, 5, 1, 9, tzinfo=UTC))
T000 = "THE ORGANISATIONAL DEVELOPMENT FRAMEWORK IMPLEMENTATION PLAN"
T004 = "Our Organisational Development Strategy and Plan 2019- 2022"
SIZES = {"000": 33, "002": 26, "004": 46}


def _plans(engine) -> dict[str, dict]:
    """Per plan: live and archived actions, owners named, updates, time zone."""
    out = {}
    with read_session(engine) as s:
        for p in s.exec(select(Plan).where(Plan.archived_at.is_(None))):
            acts = list(s.exec(select(Action).where(Action.plan_id == p.id)))
            live = [a.id for a in acts if a.archived_at is None]
            owners = set(
                s.exec(
                    select(Owner.name)
                    .join(ActionOwner, ActionOwner.owner_id == Owner.id)
                    .where(ActionOwner.action_id.in_(live or [-1]))
                )
            )
            updates = s.exec(
                select(func.count()).select_from(Update).where(Update.plan_id == p.id)
            ).one()
            out[p.name] = {
                "live": len(live),
                "archived": len(acts) - len(live),
                "owners": owners,
                "updates": updates,
                "timezone": p.timezone,
            }
    return out


def _name_of(engine, prefix: str) -> str:
    with read_session(engine) as s:
        names = [p.name for p in s.exec(select(Plan)) if p.name.startswith(prefix)]
    assert len(names) == 1, names
    return names[0]


def _load_three(engine) -> dict[str, str]:
    """Seeds 004 (Word), 000 (Excel), 002 (CSV), with no --plan: three new plans."""
    names = {}
    for seed, f in (("004", "seed004.docx"), ("000", "seed000.xlsx"), ("002", "seed002.csv")):
        r = import_plan(engine, CLOCK, PLANS / f)
        assert r.plan_created and r.chosen_because == "it matches no plan loaded", r
        assert (r.sync.created, r.sync.archived) == (SIZES[seed], 0)
        names[seed] = r.plan_name
    return names


def test_three_seeds_side_by_side_each_keep_their_own(engine, tmp_path):
    names = _load_three(engine)
    assert names == {"004": T004, "000": _name_of(engine, T000), "002": "OD Timeline"}
    plans = _plans(engine)
    assert {n: (p["live"], p["archived"]) for n, p in plans.items()} == {
        names[k]: (v, 0) for k, v in SIZES.items()
    }
    assert plans[names["000"]]["owners"] == set()
    assert "Julie Fellows" in plans[names["002"]]["owners"]
    assert "Director of Corporate Affairs" in plans[names["004"]]["owners"]
    assert not plans[names["002"]]["owners"] & plans[names["004"]]["owners"]
    # Settings are per plan: one plan's time zone is its own.
    with write_session(engine) as s:
        p = s.exec(select(Plan).where(Plan.name == names["002"])).one()
        update_plan(s, p, now=CLOCK.now(), timezone="Europe/Dublin")
    before = _plans(engine)

    # Re-import each, from the same file and from renamed copies: only that plan changes.
    copy000 = tmp_path / "plan v2 (final).xlsx"
    shutil.copy(PLANS / "seed000.xlsx", copy000)
    copy004 = tmp_path / "OD plan - board copy.csv"
    shutil.copy(PLANS / "seed004.csv", copy004)
    for f, seed in (
        (PLANS / "seed002.xlsx", "002"),
        (copy000, "000"),
        (copy004, "004"),
        (PLANS / "seed004.xlsx", "004"),
    ):
        r = import_plan(engine, LATER, f)
        assert r.plan_name == names[seed] and not r.plan_created, f
        assert (r.sync.created, r.sync.archived, r.sync.unchanged) == (0, 0, SIZES[seed])
        assert _plans(engine) == before
    assert before[names["002"]]["timezone"] == "Europe/Dublin"
    assert before[names["004"]]["timezone"] == "Europe/London"


def test_a_different_plan_never_archives_another_plans_action(engine):
    first = import_plan(engine, CLOCK, PLANS / "seed004.docx")
    second = import_plan(engine, CLOCK, PLANS / "seed000.xlsx")
    assert second.plan_name != first.plan_name and second.plan_created
    assert second.sync.archived == 0
    plans = _plans(engine)
    assert plans[first.plan_name] == {**plans[first.plan_name], "live": 46, "archived": 0}


def _edited_copy(src: Path, dest: Path, *, title: str, keep: int, extra: int) -> Path:
    """seed004.csv with another title, its first ``keep`` actions and ``extra`` new ones."""
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))
    header = next(i for i, r in enumerate(rows) if r[:2] == ["Action", "Date"])
    body = [r for r in rows[header + 1 :] if r and r[0].strip() and any(c.strip() for c in r[1:])]
    body = [r for r in body if r != rows[header]][:keep]
    body += [
        [f"New action number {n} for the people plan", "March 2022", "CSU", ""]
        for n in range(extra)
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[title], [], rows[header], *body])
    dest.write_text(buf.getvalue(), encoding="utf-8")
    return dest


def test_renamed_file_with_an_edited_title_updates_when_most_actions_match(engine, tmp_path):
    first = import_plan(engine, CLOCK, PLANS / "seed004.csv")
    f = _edited_copy(
        PLANS / "seed004.csv", tmp_path / "od v3.csv", title="OD plan v3", keep=40, extra=2
    )
    r = import_plan(engine, LATER, f)
    assert r.plan_name == first.plan_name and r.chosen_because == "40 of 42 actions match"
    assert (r.sync.created, r.sync.archived) == (2, 6)  # the importer's own plan, changed


def test_partial_overlap_is_refused_naming_the_plan_and_the_way_to_choose(engine, tmp_path):
    import_plan(engine, CLOCK, PLANS / "seed004.csv")
    import_plan(engine, CLOCK, PLANS / "seed000.csv")
    before = _counts(engine)
    f = _edited_copy(
        PLANS / "seed004.csv", tmp_path / "people plan.csv", title="People plan", keep=10, extra=20
    )
    with pytest.raises(PlanChoiceError) as exc:
        import_plan(engine, LATER, f)
    message = str(exc.value)
    assert message.startswith("people plan.csv: can't tell which plan this file is")
    assert f"“{T004}” (10 of the file's 30 actions)" in message
    assert "--plan NAME" in message and "--new" in message and "Nothing was imported" in message
    assert T000 not in message  # a plan that shares nothing is no candidate
    assert _counts(engine) == before
    # A dry run refuses the same way.
    with pytest.raises(PlanChoiceError):
        import_plan(engine, LATER, f, dry_run=True)
    # The importer's word: --new loads it beside the others; --plan updates the named plan.
    new = import_plan(engine, LATER, f, new=True)
    assert new.plan_name == "People plan" and new.plan_created and new.sync.archived == 0
    assert _plans(engine)[T004]["live"] == 46
    with pytest.raises(PlanChoiceError, match="a plan named “People plan” is already loaded"):
        import_plan(engine, LATER, f, new=True)
    chosen = import_plan(engine, LATER, f, plan_name=T004)
    assert chosen.plan_name == T004 and chosen.chosen_because == "--plan"
    assert chosen.sync.archived == 36


def test_a_file_two_plans_could_be_is_refused(engine):
    import_plan(engine, CLOCK, PLANS / "seed004.csv", plan_name="OD (board)")
    import_plan(engine, CLOCK, PLANS / "seed004.csv", plan_name="OD (team)")
    before = _counts(engine)
    with pytest.raises(PlanChoiceError) as exc:
        import_plan(engine, LATER, PLANS / "seed004.xlsx")
    assert "it could be any of several plans" in str(exc.value)
    assert "“OD (board)” (46 of the file's 46 actions, same title)" in str(exc.value)
    assert "“OD (team)”" in str(exc.value)
    assert _counts(engine) == before


def test_dry_run_says_which_plan_it_would_update_or_create(engine):
    def shown(r) -> str:
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(import_summary(r))
        return console.export_text()

    dry = import_plan(engine, CLOCK, PLANS / "seed004.csv", dry_run=True)
    assert shown(dry).startswith(
        f"Checked (dry run, nothing stored): would create a new plan “{T004}” (it matches no "
        "plan loaded)"
    )
    import_plan(engine, CLOCK, PLANS / "seed004.csv")
    again = import_plan(engine, CLOCK, PLANS / "seed004.docx", dry_run=True)
    assert shown(again).startswith(
        f"Checked (dry run, nothing stored): would update plan “{T004}” (46 of 46 actions match)"
    )
    other = import_plan(engine, CLOCK, PLANS / "seed002.csv", dry_run=True)
    assert "would create a new plan “OD Timeline”" in shown(other)
    assert len(_plans(engine)) == 1


def test_same_file_name_but_another_plan_is_a_name_clash_said_clearly(engine, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "plan.csv"
    first.write_text("Action,Deadline,Owner\nRun the staff survey,Q3 2021/22,Head of HR\n")
    second = tmp_path / "b" / "plan.csv"
    second.write_text("Action,Deadline,Owner\nOpen the new clinic,Q1 2022/23,Director of Estates\n")
    made = import_plan(engine, CLOCK, first)
    assert (made.plan_name, made.plan_created) == ("plan", True)
    before = _counts(engine)
    with pytest.raises(PlanChoiceError) as exc:
        import_plan(engine, LATER, second)
    assert "“plan” (0 of the file's 1 action, same name)" in str(exc.value)
    assert "(that name is taken: add --plan NEWNAME)" in str(exc.value)
    with pytest.raises(PlanChoiceError, match="--new --plan NAME"):
        import_plan(engine, LATER, second, new=True)
    assert _counts(engine) == before
    other = import_plan(engine, LATER, second, new=True, plan_name="Estates plan")
    assert other.plan_created and other.sync.archived == 0
    assert _plans(engine)["plan"]["live"] == 1
