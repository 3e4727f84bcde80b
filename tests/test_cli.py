"""The `progressbot` command as an administrator uses it: real processes, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli_process import run_cli

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "tests" / "fixtures" / "plans"


def run(args: list[str], db: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "COLUMNS": "200"}
    env.pop("SLACK_BOT_TOKEN", None)
    proc = run_cli(args, cwd=ROOT, env=env, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "cli.db"


def test_deadline_command(db):
    out = json.loads(
        run(["deadline", "By September 2020 Revised 31 st March 2021", "--json"], db).stdout
    )
    assert out["due"] == "2021-03-31" and out["kind"] == "fixed"
    assert [r["due"] for r in out["revisions"]] == ["2020-09-30", "2021-03-31"]
    q2 = json.loads(run(["deadline", "Quarter 2", "--fy-start", "2019", "--json"], db).stdout)
    assert q2["due"] == "2019-09-30"
    text = run(["deadline", "Q4", "2020/21"], db).stdout
    assert "31 March 2021" in text


def test_import_then_reimport_changes_nothing(db):
    first = json.loads(run(["import", str(PLANS / "seed004.xlsx"), "--json"], db).stdout)
    assert first["created"] == first["actions"] > 0 and first["unchanged"] == 0
    again = json.loads(run(["import", str(PLANS / "seed004.xlsx"), "--json"], db).stdout)
    assert again["created"] == 0 and again["updated"] == 0
    assert again["unchanged"] == first["actions"]
    listed = json.loads(run(["actions", "all", "--json"], db).stdout)
    assert len(listed["actions"]) == first["actions"]


def test_dry_run_stores_nothing(db):
    out = json.loads(run(["import", str(PLANS / "seed000.csv"), "--dry-run", "--json"], db).stdout)
    assert out["dry_run"] and out["actions"] > 0
    proc = run(["actions", "all"], db, check=False)
    assert proc.returncode == 1 and "no plan loaded" in proc.stderr


def test_bad_file_is_one_clear_line(db, tmp_path):
    bad = tmp_path / "plan.csv"
    bad.write_text("Theme,Deadline,Owner\nA,Q2,Someone\n", encoding="utf-8")
    proc = run(["import", str(bad)], db, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: plan.csv") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    missing = run(["import", str(tmp_path / "nope.xlsx")], db, check=False)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_queries_and_people(db, tmp_path):
    run(["import", str(PLANS / "seed004.csv"), "--plan", "OD plan"], db)
    overdue = json.loads(run(["actions", "overdue", "--today", "2020-10-01", "--json"], db).stdout)
    assert overdue["actions"] and all(a["due"] < "2020-10-01" for a in overdue["actions"])
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,role\nJane Ward,jane@example.org,Director of Corporate Affairs\n",
        encoding="utf-8",
    )
    assert json.loads(run(["people", "import", str(people), "--json"], db).stdout) == {"people": 1}
    listed = json.loads(run(["people", "list", "--json"], db).stdout)
    jane = next(p for p in listed if p["name"] == "Jane Ward")
    assert jane["roles"] == ["Director of Corporate Affairs"] and jane["chat_user_id"] is None
    mine = json.loads(run(["actions", "mine", "--as", "Jane Ward", "--json"], db).stdout)
    assert mine["actions"] and all(
        "Director of Corporate Affairs" in a["owners"] for a in mine["actions"]
    )
    unmatched = json.loads(run(["people", "list", "--unmatched", "--json"], db).stdout)
    assert any(p["name"] == "Jane Ward" for p in unmatched)
    bad = run(["people", "set", "Someone", "--email", "not an email"], db, check=False)
    assert bad.returncode == 1 and "is not an email address" in bad.stderr


def test_plan_settings_and_theme_leads(db, tmp_path):
    run(["import", str(PLANS / "seed004.csv"), "--plan", "OD plan"], db)
    people = tmp_path / "p.csv"
    people.write_text("name,email\nJane Ward,jane@example.org\n", encoding="utf-8")
    run(["people", "import", str(people)], db)
    run(
        [
            "plan",
            "set",
            "--channels",
            "C0LEADERS",
            "--signoff",
            "--policy",
            '{"before_due_working_days": [5, 1]}',
        ],
        db,
    )
    run(["plan", "lead", "people dev", "Jane Ward"], db)
    shown = json.loads(run(["plan", "show", "--json"], db).stdout)
    assert shown["leadership_channels"] == "C0LEADERS" and shown["signoff_required"] is True
    assert shown["policy"]["before_due_working_days"] == [5, 1]
    assert {t["name"]: t["lead"] for t in shown["themes"]}["People Development"] == "Jane Ward"
    bad = run(["plan", "set", "--policy", '{"before_due_workng_days": [5]}'], db, check=False)
    assert (
        bad.returncode == 1
        and "before_due_workng_days" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    tz = run(["plan", "set", "--timezone", "Mars/Olympus"], db, check=False)
    assert tz.returncode == 1 and "unknown time zone" in tz.stderr
    lead = run(["plan", "lead", "nonsense", "Jane Ward"], db, check=False)
    assert lead.returncode == 1 and "no theme matches 'nonsense'" in lead.stderr
