"""Small things the seed-000 journey showed (issue 18, point 6), as an administrator meets
them on the command line (real processes, SQLite and PostgreSQL): `sweep dry` shows each
action's words once per person, `people list` counts only live actions, `plan delete`
without `--yes` where nothing can ask refuses and deletes nothing, `actions owner` of a name
nobody has says so, and `actions REF` shows the last update and the deadline's history."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import build_service
from bot.core.clock import FixedClock
from bot.settings import Settings
from tests.test_owners_by_hand import cli, cli_json, owners_of

PLAN = (
    "Ref,Action,Deadline,Owner\n"
    "A1,Write the new recruitment policy and take it to the board,Quarter 2 2019/20,Julie Fellows\n"
    "A2,Train the team,Quarter 2 2019/20,Director of Workforce\n"
    "A3,Review the rota,March 2020,Julie Fellows\n"
)


def _plan(engine, tmp_path, text: str = PLAN, when: str = "2019-09-02") -> None:
    path = tmp_path / "plan.csv"
    path.write_text(text, encoding="utf-8")
    cli(engine, ["import", str(path), "--plan", "Workforce plan", "--today", when])


def test_sweep_dry_lists_each_action_once_with_its_words(engine, tmp_path):
    _plan(engine, tmp_path)
    cli(engine, ["people", "set", "Julie Fellows", "--email", "julie@example.org",
                 "--role", "Director of Workforce"])  # fmt: skip
    # A1 is Julie's directly, through the role she holds (given by hand), and Tom's, whose
    # deputy she is while he is away: three ways hers, two claims in her nudge.
    cli(engine, ["actions", "assign", "A1", "--owner", "Director of Workforce"])
    cli(engine, ["actions", "assign", "A1", "--owner", "Tom Hughes"])
    assert owners_of(engine, "A1") == ["Julie Fellows", "Director of Workforce", "Tom Hughes"]
    cli(engine, ["away", "Tom Hughes", "until", "30 September 2019", "deputy", "Julie Fellows",
                 "--today", "2019-09-13"])  # fmt: skip
    when = "2019-09-16T10:00"
    report = cli_json(engine, ["sweep", "dry", "--today", when])
    (julie,) = [n for n in report["nudged"] if n["recipient"] == "Julie Fellows"]
    assert [i["ref"] for i in julie["actions"]].count("A1") == 2  # for Julie, and for Tom
    assert {i["ref"] for i in julie["actions"]} >= {"A1", "A2"}
    text = cli(engine, ["sweep", "dry", "--today", when]).stdout
    assert "Write the new recruitment policy" in text and "Train the team" in text
    assert text.count("A1 Write") == 1, text  # once, however many ways it is hers
    assert "for Tom Hughes" in text


def test_people_list_counts_only_live_actions(engine, tmp_path):
    _plan(engine, tmp_path)
    rows = {r["name"]: r for r in cli_json(engine, ["people", "list"])}
    assert rows["Julie Fellows"]["actions"] == 2
    # A3 leaves the plan (archived by the re-import): it is no longer Julie's work.
    _plan(engine, tmp_path, PLAN.rsplit("A3,", 1)[0], when="2019-09-03")
    rows = {r["name"]: r for r in cli_json(engine, ["people", "list"])}
    assert rows["Julie Fellows"]["actions"] == 1


def test_plan_delete_without_yes_where_nothing_can_ask(engine, tmp_path):
    _plan(engine, tmp_path)
    proc = cli(engine, ["plan", "delete", "Workforce plan"], check=False)  # stdin: no terminal
    assert proc.returncode == 1
    assert "--yes" in proc.stderr and "Nothing was deleted" in proc.stderr, proc.stderr
    as_json = cli(engine, ["plan", "delete", "Workforce plan", "--json"], check=False)
    assert as_json.returncode == 1 and "--yes" in as_json.stdout
    assert [p["name"] for p in cli_json(engine, ["plan", "list"])] == ["Workforce plan"]
    cli(engine, ["plan", "delete", "Workforce plan", "--yes"])
    assert cli_json(engine, ["plan", "list"]) == []


def test_actions_owner_nobody_has_says_so(engine, tmp_path):
    _plan(engine, tmp_path)
    proc = cli(engine, ["actions", "owner", "Nobody Here"], check=False)
    assert proc.returncode == 1 and "no owner in this plan matches 'Nobody Here'" in proc.stderr
    assert len(cli_json(engine, ["actions", "owner", "Julie"])["actions"]) == 2


def test_actions_ref_shows_last_update_and_deadline_history(engine, tmp_path):
    _plan(engine, tmp_path)
    settings = Settings(_env_file=None, database_url=engine.url.render_as_string(False))
    settings.plan_name = "Workforce plan"
    service = build_service(settings, FixedClock(datetime(2019, 10, 7, 9, tzinfo=UTC)), engine)
    julie = service.actor_for_name("Julie Fellows")
    service.record_update(
        julie,
        "A1",
        status="Delayed",
        commentary="board paper moved to January",
        source="reply",
        revised_text="January 2020",
        revised_due=datetime(2020, 1, 31).date(),
    )
    detail = cli_json(engine, ["actions", "A1"])["detail"]
    assert detail["last_update"]["status"] == "Delayed"
    assert detail["last_update"]["author"] == "Julie Fellows"
    assert detail["last_update"]["commentary"] == "board paper moved to January"
    assert [(d["text"], d["due"], d["by"]) for d in detail["deadlines"]] == [
        ("Quarter 2 2019/20", "2019-09-30", "the plan (import)"),
        ("January 2020", "2020-01-31", "Julie Fellows"),
    ]
    text = cli(engine, ["actions", "A1"]).stdout
    assert "Last update: Delayed — board paper moved to January (7 Oct 2019, by Julie" in text
    assert "Revised: January 2020 (31 Jan 2020), 7 Oct 2019, Julie Fellows" in text
    # No update at all yet: said so.
    assert "Last update: none yet." in cli(engine, ["actions", "A3"]).stdout
