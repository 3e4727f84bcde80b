"""The command line for scripts: `--json` on every command, errors as one JSON object
(`{"error", "where"}`) with a non-zero exit, messages in command-line syntax, settings shown
in the form they are set, and words that are not understood refused before anything is sent."""

from __future__ import annotations

import json
import shutil

import pytest
import typer
from sqlmodel import func, select

from bot.app import sample_file
from bot.cli import app
from storage.engine import make_engine, read_session
from storage.models import NudgeMessage, Plan
from tests.test_cli import run


def _leaf_commands(group, path=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _leaf_commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def test_every_command_takes_json():
    root = typer.main.get_command(app)
    missing = [
        " ".join(path)
        for path, cmd in _leaf_commands(root)
        if not any("--json" in p.opts for p in cmd.params)
    ]
    assert missing == []


@pytest.fixture(scope="module")
def _loaded_once(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli_json") / "json.db"
    run(["import", str(sample_file("sample_plan.csv")), "--fy-start", "2019"], db)
    run(["people", "import", str(sample_file("sample_people.csv"))], db)
    return db


@pytest.fixture
def loaded(_loaded_once, tmp_path):
    """The sample plan and people, loaded with the command line once for the module; each test
    gets its own copy of that database file."""
    db = tmp_path / "json.db"
    shutil.copyfile(_loaded_once, db)
    return db


@pytest.mark.parametrize(
    "args, where, words",
    [
        (
            ["sweep", "blah"],
            "progressbot sweep",
            ["does not understand 'blah'", "Nothing was sent"],
        ),
        (["digest", "tomorrow"], "progressbot digest", ["does not understand 'tomorrow'"]),
        (["plan", "set", "--fy-start", "19"], "--fy-start", ["four digits", "2019"]),
        (["plan", "set", "--policy", '{"digest_day": "Someday"}'], "--policy", ["weekday"]),
        (["actions", "theme", "nonsense"], "progressbot actions", ["progressbot actions help"]),
        (["actions", "--today", "16/9/2019"], "--today", ["2019-09-16"]),
        (["away", "Nobody Here", "until", "3", "March"], "progressbot away", ["people list"]),
        (
            ["away", "Sam Okafor", "until", "whenever"],
            "progressbot away",
            ["progressbot away NAME"],
        ),
        (["import", "missing.csv"], None, ["missing.csv"]),
        (["nosuch"], "progressbot", ["nosuch"]),
        (["actions", "--bogus"], "progressbot actions", ["--bogus"]),
    ],
)
def test_errors_under_json_are_json(loaded, args, where, words):
    proc = run([*args, "--json"], loaded, check=False)
    assert proc.returncode != 0
    answer = json.loads(proc.stdout)
    assert set(answer) == {"error", "where"}
    if where is not None:
        assert answer["where"] == where
    for w in words:
        assert w in answer["error"]
    # Command-line syntax, never the chat's (`as YOUR NAME`, "try `help`").
    assert "`as " not in answer["error"] and "Try `help`" not in answer["error"]


@pytest.mark.parametrize("args", [["sweep", "blah"], ["plan", "set", "--fy-start", "19"]])
def test_errors_without_json_are_one_line_on_stderr(loaded, args):
    plain = run(args, loaded, check=False)
    assert plain.returncode == 1 and plain.stdout == ""
    assert plain.stderr.startswith("error: ") and "Traceback" not in plain.stderr


def test_a_word_not_understood_after_sweep_sends_nothing(loaded):
    run(["sweep", "blah", "--today", "2019-09-16"], loaded, check=False)
    dry = json.loads(run(["sweep", "dry", "--today", "2019-09-16", "--json"], loaded).stdout)
    assert dry["dry_run"] is True and dry["nudged"]
    preview = json.loads(
        run(["sweep", "preview", "--today", "2019-09-16", "--json"], loaded).stdout
    )
    assert preview["dry_run"] is True
    engine = make_engine(f"sqlite:///{loaded}")
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(NudgeMessage)).one() == 0
    engine.dispose()


def test_plan_show_prints_the_policy_as_plan_set_reads_it(loaded):
    text = run(["plan", "show"], loaded).stdout
    assert "working_hours                09:00-17:00" in text and "Monday" in text
    shown = json.loads(run(["plan", "show", "--json"], loaded).stdout)
    policy = dict(shown["policy"], digest_day="Friday", working_hours="08:30-16:30")
    after = json.loads(
        run(["plan", "set", "--policy", json.dumps(policy), "--json"], loaded).stdout
    )
    assert after["policy"] == policy  # what was shown can be set back, and reads the same
    refused = run(["plan", "set", "--fy-start", "19"], loaded, check=False)
    assert refused.returncode == 1
    engine = make_engine(f"sqlite:///{loaded}")
    with read_session(engine) as s:
        assert s.exec(select(Plan.fy_start_year)).one() == 2019  # nothing changed
    engine.dispose()


def test_plan_lead_and_people_answer_in_json(loaded):
    lead = json.loads(run(["plan", "lead", "Governance", "Sam Okafor", "--json"], loaded).stdout)
    assert lead == {"theme": "Governance, systems, processes", "lead": "Sam Okafor"}
