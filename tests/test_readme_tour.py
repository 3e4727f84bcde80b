"""The README's console tour, run exactly as the README shows it (comments and all), on the
sample plan, on SQLite and on PostgreSQL: every line must be understood and answered with
something. If the README or the bot drifts, this fails."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from tests.support.cli_process import run_cli

ROOT = Path(__file__).resolve().parent.parent
_n = itertools.count()


def tour_block() -> str:
    """The first fenced block after "Try:" in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index("Try:") :]
    block = after.split("```")[1]
    return block.strip("\n") + "\n"


def tour_today() -> str:
    """The date the README's `./dev run --today …` line starts the console on."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(ln for ln in readme.splitlines() if ln.startswith("./dev run --today"))
    return line.split()[3]


@pytest.fixture(params=["sqlite", "pg"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tour.db"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"tour{next(_n)}")


def test_every_line_of_the_readme_tour_works_as_pasted(tmp_path, database_url):
    block = tour_block()
    script = tmp_path / "tour.txt"
    script.write_text(block, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "PLAN_NAME": "", "COLUMNS": "80"}
    env.pop("SLACK_BOT_TOKEN", None)
    proc = run_cli(
        ["run", "--today", tour_today(), "--script", str(script), "--json"],
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    answers = [r for r in records if "input" in r]
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(answers) == len(lines), (lines, answers)
    for line, answer in zip(lines, answers, strict=True):
        # Each line reached the bot without its comment, and got a real answer: understood,
        # allowed, not empty, and not a question back ("which action?").
        assert answer["input"] == line.split("  #")[0].strip()
        assert answer["ok"], answer
        assert not answer["empty"], answer
        assert not {"AskAction", "AskStatus"} & set(answer["replies"]), answer
    by_input = {a["input"]: a for a in answers}
    # The comments promise what these lines do.
    assert by_input["as Chief Officer"]["as"] == "Sam Okafor"
    slip = by_input["slipping to end of June"]
    assert slip["replies"] == ["UpdateStored"] and "Deadline now 30 Jun 2020" in slip["text"]
    assert "Dry run: nothing sent" in by_input["sweep dry"]["text"]
    assert by_input["away until 3 March deputy Tom Hughes"]["replies"] == ["AwayNotice"]
