"""The console mode as a new user meets it: `progressbot demo --script FILE` in a real
process, on the bundled sample plan."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.cli_process import run_cli

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "fixtures" / "console" / "owner_session.txt"


def test_owner_session_in_the_console(tmp_path):
    env = {
        **os.environ,
        "COLUMNS": "220",
        "PLAN_NAME": "",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    proc = run_cli(
        ["demo", "--today", "2019-09-16", "--script", str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + out
    # The nudges owners would get today: Priya (Director of Corporate Affairs) owes G2,
    # due on 30 Sep 2019 (Quarter 2 of 2019/20), 14 days away.
    assert "nudge → Priya Raman" in out
    assert "G2" in out and "due soon" in out
    # Her answer is stored and echoed, then shown by a query.
    assert "Stored for G2: On track — draft STP response shared with partners" in out
    # Text with square brackets is shown as written, not read as terminal markup.
    assert "see [appendix] and [/x] notes" in out
    # A slip with a revised date.
    assert "Stored for G9: Delayed" in out and "Deadline now 31 Dec 2019" in out
    # Bad input gets a clear message, not a crash.
    assert "no theme matches 'nonsense'" in out
    assert "nobody called 'Somebody Unknown'" in out
    # Someone else may not update Priya's action.
    assert "only the owners of G2" in out
    # The digest counts every action of the plan.
    assert "digest" in out.lower() and "33" in out


def test_replies_as_owners_write_them_in_the_console(tmp_path):
    env = {
        **os.environ,
        "COLUMNS": "220",
        "PLAN_NAME": "",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    script = ROOT / "tests" / "fixtures" / "console" / "reading_session.txt"
    proc = run_cli(
        ["demo", "--today", "2019-09-16", "--script", str(script)],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + out
    assert "Stored for V14: Completed" in out
    assert "Stored for V8: At risk — paper drafted" in out
    assert "Stored for V5: On track" in out and "Stored for V10: On track" in out
    assert "'31/02/2020' is not a real date, so nothing was stored" in out
    assert "to reassign V4" in out and "Nothing was stored as progress" in out
    assert "Which action" not in out and "No action" not in out
