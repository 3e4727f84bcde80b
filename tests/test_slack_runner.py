"""`progressbot run` with Slack settings, as deployed: a real process serving HTTP on PORT
(waitress), talking to the Slack stand-in, with its scheduler running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.cli_process import run_cli
from tests.support.ports import free_port as _free_port
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SECRET
from tests.support.slack_signing import FORM, command_body, post_to_bot, signed_headers

ROOT = Path(__file__).resolve().parent.parent


def test_run_serves_slack_over_http(tmp_path):
    port = _free_port()
    db = tmp_path / "run.db"
    with SlackStandIn() as slack:
        # Everyone in the sample plan is in the workspace, so whatever the scheduler's
        # start-up sweep sends on a working day is delivered without an error.
        import csv

        with open(ROOT / "bot/data/sample_people.csv", encoding="utf-8") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                uid = "U0PRIYA" if row["name"] == "Priya Raman" else f"U0P{i:04d}"
                slack.add_user(
                    uid,
                    email=row["email"],
                    name=row["name"].split()[0].lower(),
                    real_name=row["name"],
                )
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "SLACK_APP_TOKEN": "",
            "PORT": str(port),
            "PLAN_NAME": "",
        }
        # Load the sample plan and its people first, as an administrator would.
        for args in (
            ["import", str(ROOT / "bot/data/sample_plan.csv"), "--fy-start", "2019"],
            ["people", "import", str(ROOT / "bot/data/sample_people.csv")],
        ):
            run_cli(args, cwd=tmp_path, env=env, check=True, timeout=120)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                        assert r.read() == b"ok"
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise AssertionError(
                            f"the bot did not start: {proc.stdout.read() if proc.poll() is not None else ''}"
                        ) from None
                    time.sleep(0.2)
            url = slack.new_response_url()
            body = command_body(text="mine", user_id="U0PRIYA", response_url=url)
            status, _, _ = post_to_bot(
                f"http://127.0.0.1:{port}/slack/events",
                body,
                signed_headers(body, SECRET, content_type=FORM),
            )
            assert status == 200
            bad = post_to_bot(
                f"http://127.0.0.1:{port}/slack/events",
                body,
                signed_headers(body, "wrong-secret", content_type=FORM),
            )
            assert bad[0] == 401
            deadline = time.monotonic() + 20
            while not [r for r in slack.responses if r.get("response_url") == url]:
                assert time.monotonic() < deadline, "no answer to /actions mine"
                time.sleep(0.1)
            answer = json.dumps([r for r in slack.responses if r.get("response_url") == url])
            # Priya holds Director of Corporate Affairs, which owns G2 among others.
            assert "*G2*" in answer
            assert slack.errors == []
        finally:
            proc.terminate()
            proc.wait(timeout=20)
