"""Running the real `progressbot run` (``python -m bot run``) as a separate process against the
Slack stand-ins, as deployed, in Socket Mode or HTTP and on any database (several instances
at once; tests/support/bot_process.py is the simpler one-process HTTP harness that watches
memory and logs): load the sample plan and its people with the CLI first, then
start the bot with the environment a deployment would set."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.cli_process import run_cli

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_PLAN = ROOT / "bot/data/sample_plan.csv"
SAMPLE_PEOPLE = ROOT / "bot/data/sample_people.csv"


def sample_people() -> list[dict[str, str]]:
    with open(SAMPLE_PEOPLE, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def add_sample_users(slack) -> dict[str, str]:
    """Every person of the sample plan as a workspace member; returns name -> user id."""
    ids = {}
    for i, row in enumerate(sample_people()):
        uid = f"U0P{i:04d}"
        slack.add_user(uid, email=row["email"], name=row["name"].split()[0].lower(),
                       real_name=row["name"])  # fmt: skip
        ids[row["name"]] = uid
    return ids


def bot_env(slack, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_BASE_URL": slack.base_url,
        "SLACK_APP_TOKEN": "",
        "PLAN_NAME": "",
        **extra,
    }


def cli(env: dict[str, str], cwd: Path, *args: str, timeout: float = 180) -> str:
    done = run_cli(args, cwd=cwd, env=env, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"progressbot {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def load_sample(env: dict[str, str], cwd: Path) -> None:
    """The sample plan and its people, loaded as an administrator would."""
    cli(env, cwd, "import", str(SAMPLE_PLAN), "--fy-start", "2019")
    cli(env, cwd, "people", "import", str(SAMPLE_PEOPLE))


class BotProcess:
    """``python -m bot run`` in the background, its output kept in a log file."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str = "bot"):
        self.log_path = cwd / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_healthy(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or not self.alive():
                raise AssertionError(f"the bot did not start:\n{self.output()[-4000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def wait_for(predicate, *, timeout: float = 30, what: str = "it", proc: BotProcess | None = None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = f"\n{proc.output()[-3000:]}" if proc is not None else ""
            raise AssertionError(f"timed out waiting for {what}{tail}")
        time.sleep(0.1)
