"""`progressbot run` with Teams settings, as deployed: a real process serving /api/messages
on TEAMS_PORT, talking to the Bot Connector stand-in; and `progressbot teams-package`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tests.support.cli_process import run_cli
from tests.support.ports import free_port as _free_port
from tests.support.teams_bot import BOT_ID
from tests.support.teams_connector import TeamsConnectorStandIn
from tests.test_slack_runner import ROOT

CLIENT_ID = "6f1b8a52-3c1d-4e2f-9a7b-0c5d4e3f2a10"


def _post(url: str, activity: dict, headers: dict | None = None) -> int:
    req = urllib.request.Request(
        url,
        data=json.dumps(activity).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _start(env: dict, cwd: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                assert r.read() == b"ok"
                return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError(f"the bot did not start: {proc.stdout.read()}") from None
            time.sleep(0.2)


def _env(tmp_path: Path, port: int, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TEAMS_")) and k not in ("CLIENT_ID", "CLIENT_SECRET")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        PLAN_NAME="",
        TEAMS_CLIENT_ID=CLIENT_ID,
        TEAMS_PORT=str(port),
        TEAMS_HOST="127.0.0.1",
        TEAMS_SERVICE_URL_ALLOW="http://127.0.0.1",  # the Bot Connector stand-in
    )
    env.update(extra)  # a test may override any of these
    return env


def _load(env: dict, cwd: Path) -> None:
    for args in (
        ["import", str(ROOT / "bot/data/sample_plan.csv"), "--fy-start", "2019"],
        ["people", "import", str(ROOT / "bot/data/sample_people.csv")],
    ):
        run_cli(args, cwd=cwd, env=env, check=True, timeout=120)


def test_run_serves_teams_with_authentication_on_by_default(tmp_path):
    port = _free_port()
    # A stray .env and SDK variables in the environment change nothing (NOTES.md).
    (tmp_path / ".env").write_text("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true\nPORT=1\n")
    env = _env(
        tmp_path,
        port,
        CLIENT_SECRET="from-the-environment",
        DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true",
        TEAMS_TENANT_ID="tenant-1",
    )
    _load(env, tmp_path)
    with TeamsConnectorStandIn() as bc:
        proc = _start(env, tmp_path, port)
        try:
            act = {
                "type": "message",
                "id": "1",
                "text": "mine",
                "serviceUrl": bc.service_url,
                "from": {"id": "29:x"},
                "recipient": {"id": BOT_ID},
                "conversation": {"id": "a:1", "conversationType": "personal"},
            }
            url = f"http://127.0.0.1:{port}/api/messages"
            assert _post(url, act) == 401
            assert _post(url, act, {"Authorization": "Bearer forged.token.here"}) == 401
            assert _post(url, {"type": "message"}) == 401
            time.sleep(0.5)
            assert bc.calls == []
        finally:
            proc.terminate()
            out = proc.communicate(timeout=20)[0]
        assert "UNSIGNED" not in out


def test_run_in_unauthenticated_mode_answers_over_the_connector(tmp_path):
    port = _free_port()
    env = _env(tmp_path, port, TEAMS_ALLOW_UNAUTHENTICATED="true")
    _load(env, tmp_path)
    with TeamsConnectorStandIn() as bc:
        bc.add_member("29:priya", email="priya.raman@example.org", name="Priya Raman")
        bc.add_conversation("a:1on1-priya", ["29:priya"])
        proc = _start(env, tmp_path, port)
        try:
            base = {
                "serviceUrl": bc.service_url,
                "channelId": "msteams",
                "from": {"id": "29:priya", "name": "Priya Raman"},
                "recipient": {"id": BOT_ID},
                "conversation": {"id": "a:1on1-priya", "conversationType": "personal"},
            }
            url = f"http://127.0.0.1:{port}/api/messages"
            assert _post(url, {**base, "type": "message", "id": "m1", "text": "mine"}) == 200
            deadline = time.monotonic() + 20
            while len(bc.sent_to("a:1on1-priya")) < 1:
                assert time.monotonic() < deadline, "no answer to 'mine'"
                time.sleep(0.1)
            answer = json.dumps(bc.sent_to("a:1on1-priya"))
            assert "G2" in answer and bc.errors == []
        finally:
            proc.terminate()
            out = proc.communicate(timeout=20)[0]
        assert "UNSIGNED" in out  # the warning at start


def test_teams_package_builds_the_app_zip(tmp_path):
    env = {**os.environ, "TEAMS_CLIENT_ID": CLIENT_ID.upper(), "DATABASE_URL": "sqlite://"}
    out = tmp_path / "pkg" / "progressbot.zip"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "teams-package",
            "--out",
            str(out),
            "--version",
            "1.2.3",
            "--website-url",
            "https://trust.example.nhs.uk",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        m = json.loads(z.read("manifest.json"))
    assert m["id"] == CLIENT_ID and m["bots"][0]["botId"] == CLIENT_ID and m["version"] == "1.2.3"
    assert m["bots"][0]["scopes"] == ["personal", "team"]
    titles = [c["title"] for c in m["bots"][0]["commandLists"][0]["commands"]]
    assert {"mine", "overdue", "help"} <= set(titles) and len(titles) <= 10
    assert m["developer"]["websiteUrl"] == "https://trust.example.nhs.uk"
    bad = run_cli(
        ["teams-package", "--out", str(out)],
        cwd=tmp_path,
        env={**env, "TEAMS_CLIENT_ID": "not-a-guid"},
        timeout=60,
    )
    assert bad.returncode == 1 and "TEAMS_CLIENT_ID must be" in bad.stderr


def test_plan_set_accepts_teams_channel_ids_and_refuses_malformed_ones(tmp_path):
    env = _env(tmp_path, _free_port())
    _load(env, tmp_path)
    ok = run_cli(
        ["plan", "set", "--channels", "C0LEADERS, 19:abcDEF123@thread.tacv2"],
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    shown = run_cli(["plan", "show", "--json"], cwd=tmp_path, env=env, timeout=60)
    assert "C0LEADERS,19:abcDEF123@thread.tacv2" in shown.stdout
    bad = run_cli(
        ["plan", "set", "--channels", "C0LEADERS,19:abc@thread"], cwd=tmp_path, env=env, timeout=60
    )
    assert bad.returncode == 1 and "item 2" in bad.stderr and "not a Teams channel id" in bad.stderr


def test_cli_sweep_and_digest_deliver_through_teams(tmp_path):
    from storage.chat_members import MemberSeen, remember_channel, remember_member
    from storage.engine import make_engine, write_session

    env = _env(tmp_path, _free_port(), TEAMS_ALLOW_UNAUTHENTICATED="true")
    _load(env, tmp_path)
    channel = "19:leaders@thread.tacv2"
    with TeamsConnectorStandIn() as bc:
        engine = make_engine(env["DATABASE_URL"])
        from datetime import UTC, datetime

        now = datetime(2019, 9, 16, 9, tzinfo=UTC)
        with write_session(engine) as s:  # Priya installed the app; the bot is in a team
            remember_member(
                s, "teams",
                MemberSeen("29:priya", "Priya Raman", None, "priya.raman@example.org",
                           "a:1on1-priya", bc.service_url, "t1"),
                now=now,
            )  # fmt: skip
            remember_channel(s, channel_id=channel, team_id="19:t@thread.tacv2",
                             service_url=bc.service_url, now=now, name="Leaders")  # fmt: skip
        engine.dispose()
        r = run_cli(["plan", "set", "--channels", channel], cwd=tmp_path, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        r = run_cli(["sweep", "--today", "2019-09-16", "--json"], cwd=tmp_path, env=env,
                    timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr
        report = json.loads(r.stdout)
        to_priya = [n for n in report["nudged"] if n["recipient"] == "Priya Raman"]
        assert to_priya and to_priya[0]["channel"] == "a:1on1-priya"
        assert len(bc.sent_to("a:1on1-priya")) == 1  # others have not installed: not sent
        assert {f["who"] for f in report["failures"]} and "Priya Raman" not in {
            f["who"] for f in report["failures"]
        }
        r = run_cli(["digest", "--today", "2019-09-16"], cwd=tmp_path, env=env, timeout=120)
        assert r.returncode == 0, r.stderr + r.stdout
        assert "progress digest" in bc.sent_to(channel)[0]["text"] and bc.errors == []
