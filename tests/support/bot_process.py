"""`progressbot run` as a real process in HTTP mode, for tests that need to see it from the
outside: its memory (VmRSS / VmHWM from /proc), its log (stdout and stderr to a file), its
exit. The sample plan and people are loaded first, as an administrator would.

    with BotProcess(tmp_path, slack) as bot:
        post_to_bot(bot.url, body, headers)
        bot.memory_mb("VmHWM"), bot.log()
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.cli_process import run_cli
from tests.support.ports import free_port
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SECRET

ROOT = Path(__file__).resolve().parents[2]


def add_sample_people(slack: SlackStandIn) -> None:
    """Everyone in the sample plan is a workspace member; Priya Raman is U0PRIYA."""
    with open(ROOT / "bot/data/sample_people.csv", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            uid = "U0PRIYA" if row["name"] == "Priya Raman" else f"U0P{i:04d}"
            slack.add_user(
                uid, email=row["email"], name=row["name"].split()[0].lower(), real_name=row["name"]
            )


class BotProcess:
    def __init__(self, workdir: Path, slack: SlackStandIn, **env: str):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        self.log_path = workdir / "bot.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'run.db'}",
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "SLACK_APP_TOKEN": "",
            "PORT": str(self.port),
            "PLAN_NAME": "",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_cli(args, cwd=self.workdir, env=self.env, check=check, timeout=120)

    def start(self) -> BotProcess:
        self.cli("import", str(ROOT / "bot/data/sample_plan.csv"), "--fy-start", "2019")
        self.cli("people", "import", str(ROOT / "bot/data/sample_people.csv"))
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=self.workdir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=1
                ) as r:
                    assert r.read() == b"ok"
                    return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"the bot did not start: {self.log()}") from None
                time.sleep(0.2)

    def memory_mb(self, field: str = "VmRSS") -> float:
        """VmRSS (now) or VmHWM (peak) of the bot process, in MB."""
        with open(f"/proc/{self.proc.pid}/status") as fh:
            line = next(x for x in fh if x.startswith(field + ":"))
        return int(line.split()[1]) / 1024

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._log.close()

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
