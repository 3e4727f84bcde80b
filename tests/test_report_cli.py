"""`progressbot report` as an administrator runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json

import docx
import openpyxl
import pytest

from tests.test_cli import PLANS, run


@pytest.fixture
def db(tmp_path):
    return tmp_path / "cli.db"


def test_report_command_writes_each_format(db, tmp_path):
    run(["import", str(PLANS / "seed000.csv"), "--plan", "OD"], db)
    # Imported just now (the real clock): as at 2019 the plan had no actions yet.
    early = run(["report", "--as-at", "30/11/2019", "--out", str(tmp_path / "early.csv")], db)
    assert "no actions — the plan had none on 30 Nov 2019" in " ".join(early.stdout.split())
    out = tmp_path / "board.docx"
    proc = run(["report", "--as-at", "31/12/2098", "--out", str(out), "--today", "2099-01-02"], db)
    assert f"wrote {out}" in proc.stdout
    assert "OD — Update at December 2098: 33 actions in 3 themes" in " ".join(proc.stdout.split())
    table = docx.Document(str(out)).tables[-1]
    assert table.rows[0].cells[-1].text == "Update on Progress"

    data = json.loads(
        run(
            ["report", "--as-at", "December 2098", "--format", "xlsx", "--theme", "values",
             "--out", str(tmp_path), "--today", "2099-01-02", "--json"],
            db,
        ).stdout
    )  # fmt: skip
    assert data["as_at"] == "2098-12-31" and data["total"] == 15
    assert [t["theme"] for t in data["themes"]] == ["Values, behaviours and relationships"]
    wb = openpyxl.load_workbook(data["file"])
    assert wb.sheetnames == ["Summary", "Values, behaviours and relation"]

    since = json.loads(
        run(
            ["report", "--as-at", "2098-12-31", "--changes-since", "2019-10-31", "--out",
             str(tmp_path / "r.csv"), "--json", "--today", "2099-01-02"],
            db,
        ).stdout
    )  # fmt: skip
    assert since["changes_since"] == "2019-10-31" and since["columns"][-1].startswith("Changed")
    # Nothing existed on 31 Oct 2019: every action is new since then.
    assert {a["cells"][since["columns"][-1]] for t in since["themes"] for a in t["actions"]} == {
        "new action"
    }


def test_report_command_errors_are_one_line(db, tmp_path):
    run(["import", str(PLANS / "seed000.csv"), "--plan", "OD"], db)
    cases = [
        (["--format", "pdf"], "unknown report format 'pdf'; choose one of xlsx, docx, html, csv"),
        (["--out", str(tmp_path / "r.txt")], "cannot tell the format from 'r.txt'"),
        (["--out", str(tmp_path / "r.csv"), "--format", "html"], "does not end in .html"),
        (["--as-at", "someday"], "can't read the date 'someday'"),
        (["--theme", "money"], "no theme matches 'money'"),
        (["--as-at", "2030-01-01"], "the report date 1 Jan 2030 is in the future"),
        (["--changes-since", "2019-12-01", "--as-at", "2019-11-30"], "must be before"),
    ]
    for args, message in cases:
        proc = run(["report", "--today", "2019-12-02", *args], db, check=False)
        assert proc.returncode == 1, args
        assert message in " ".join(proc.stderr.split()), (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr
    assert not list(tmp_path.glob("r.*")) and not list(tmp_path.glob(".r.*"))


def _in(folder, args, db, *, via_dev=False):
    """The command as a user types it in ``folder``: `progressbot …`, or `./dev progressbot …`
    from the checkout's script (which changes into the checkout before running)."""
    import os
    import subprocess
    import sys

    from tests.test_cli import ROOT

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "COLUMNS": "200"}
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("PROGRESSBOT_START_DIR", None)
    cmd = [str(ROOT / "dev"), "progressbot"] if via_dev else [sys.executable, "-m", "bot"]
    proc = subprocess.run(
        [*cmd, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def test_report_is_written_where_the_command_was_started_and_names_plan_theme_date(db, tmp_path):
    from tests.test_cli import ROOT

    run(["import", str(PLANS / "seed000.csv"), "--plan", "OD 2019"], db)
    here = tmp_path / "board papers"
    here.mkdir()
    before = set(ROOT.iterdir())
    whole = _in(here, ["report", "--today", "2099-01-02", "--format", "csv"], db, via_dev=True)
    theme = _in(here, ["report", "--today", "2099-01-02", "--theme", "values"], db)
    names = sorted(p.name for p in here.iterdir())
    assert names == [
        "OD-2019-Values-behaviours-and-relationships-update-2099-01-02.xlsx",
        "OD-2019-update-2099-01-02.csv",
    ]
    # The full path is printed, and nothing was written into the checkout.
    assert f"wrote {here / 'OD-2019-update-2099-01-02.csv'}" in whole.stdout
    assert str(here / names[0]) in theme.stdout
    assert set(ROOT.iterdir()) == before


def test_report_with_extras_and_the_plan_setting(db, tmp_path):
    run(["import", str(PLANS / "seed000.csv"), "--plan", "OD"], db)
    out = tmp_path / "r.csv"
    base = ["report", "--today", "2099-01-02", "--out", str(out), "--json"]
    plain = json.loads(run(base, db).stdout)
    assert plain["columns"][-2:] == ["Deadline", "Update on Progress"] and plain["extras"] == []
    asked = json.loads(run([*base, "--with", "status,attribution"], db).stdout)
    assert asked["columns"][-2:] == ["Status", "Update on Progress"]
    bad = run([*base, "--with", "colour"], db, check=False)
    assert bad.returncode == 1 and "unknown report extra 'colour'" in bad.stdout + bad.stderr
    shown = run(["plan", "set", "--plan", "OD", "--report-with", "owner, status"], db).stdout
    assert "report extras" in shown and "status,owner" in shown
    house = json.loads(run(base, db).stdout)
    assert house["extras"] == ["owner", "status"]
    assert house["columns"][-3:] == ["Owner", "Status", "Update on Progress"]
    none = json.loads(run([*base, "--with", "none"], db).stdout)
    assert none["columns"] == plain["columns"]
