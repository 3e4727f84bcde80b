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
