"""`/actions report …` in Slack, the way Slack talks to the bot: a signed slash command in,
the report made after the ack and uploaded to the requester's DM through files_upload_v2
(files.getUploadURLExternal → the upload URL → files.completeUploadExternal) on the stand-in,
which checks Slack's limits. Also the console's `report` and the stand-in's upload limits."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
from rich.console import Console

from bot.core.clock import FixedClock
from bot.platforms.console.adapter import ConsoleSession
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import FORM, command_body
from tests.support.small_plan import load_small_plan, small_service

TODAY = date(2019, 9, 16)
USERS = {
    "U0JULIE": ("julie@example.org", "Julie Fellows"),
    "U0PAT": ("pat@example.org", "Pat Admin"),
    "U0OUT": ("outsider@example.org", "Olly Outsider"),
}


@pytest.fixture
def bot(sqlite_engine):
    load_small_plan(sqlite_engine)
    with SlackBotHarness(sqlite_engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in USERS.items():
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _ask(bot, text: str, user: str = "U0JULIE"):
    url = bot.slack.new_response_url()
    status, _, _ = bot.post(
        command_body(text=text, user_id=user, response_url=url), content_type=FORM
    )
    assert status == 200
    replies = bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url],
        what=f"the answer to {text!r}",
    )
    return replies[0]


def test_report_is_uploaded_to_the_requesters_dm(bot):
    reply = _ask(bot, "report as at 16/9/2019 with status as csv")
    assert reply["response_type"] == "ephemeral"
    assert "is in your DM" in reply["text"] and "5 actions" in reply["text"]
    methods = [c.method for c in bot.slack.calls if "upload" in c.method.lower()]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    dm = bot.slack.dm_channel_id("U0JULIE")
    message = bot.slack.messages[dm][-1]
    assert message["files"][0]["name"] == "Small-plan-update-2019-09-16.csv"
    assert message["text"].startswith("Small plan — Update at September 2019: 5 actions")
    data = bot.slack.files[message["files"][0]["id"]]["content"]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["Ref"] for r in rows] == ["L1", "L2", "L3", "C1", "C2"]
    assert rows[2]["Status"] == "Completed"


def test_report_for_a_theme_defaults_to_xlsx(bot):
    reply = _ask(bot, "report theme culture", user="U0PAT")
    assert "2 actions" in reply["text"]
    upload = bot.slack.calls_to("files.completeUploadExternal")[-1]
    files = upload.params["files"]
    file_id = (json.loads(files) if isinstance(files, str) else files)[0]["id"]
    wb = openpyxl.load_workbook(io.BytesIO(bot.slack.files[file_id]["content"]))
    assert wb.sheetnames == ["Summary", "Culture"]


def test_unreadable_report_request_says_why_and_uploads_nothing(bot):
    reply = _ask(bot, "report as at the end of time")
    assert "can't read the date 'the end of time'" in reply["text"]
    reply = _ask(bot, "report theme money")
    assert "no theme matches 'money'" in reply["text"]
    assert bot.slack.calls_to("files.getUploadURLExternal") == []


def test_someone_outside_the_plan_gets_no_report(bot):
    """The report is the whole plan: a workspace member who is not in it is refused (the
    plan's default readers), and nothing is uploaded."""
    reply = _ask(bot, "report as csv", user="U0OUT")
    assert "shared only with the people in it" in reply["text"]
    assert bot.slack.calls_to("files.getUploadURLExternal") == []


def test_upload_limits_in_the_standin():
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    with SlackStandIn() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.base_url)
        with pytest.raises(SlackApiError) as e:
            client.files_getUploadURLExternal(filename="r.csv", length=0)
        assert e.value.response["error"] == "missing_argument"
        with pytest.raises(SlackApiError) as e:
            client.files_getUploadURLExternal(filename="r.png", length=10, alt_txt="x" * 1001)
        assert e.value.response["error"] == "alt_txt_too_large"
        got = client.files_getUploadURLExternal(filename="r.csv", length=10)
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(got["upload_url"], data=b"short"))
        with pytest.raises(SlackApiError) as e:
            client.files_completeUploadExternal(files=[{"id": got["file_id"]}])
        assert e.value.response["error"] == "invalid_arguments"  # 5 bytes sent, 10 declared


def test_console_report_writes_the_file(sqlite_engine, tmp_path, monkeypatch):
    # The folder the console was started in (./dev passes it; the checkout is elsewhere).
    monkeypatch.setenv("PROGRESSBOT_START_DIR", str(tmp_path))
    service = small_service(sqlite_engine, TODAY)
    out = io.StringIO()
    session = ConsoleSession(service, service.clock, Console(file=out, width=200))
    assert isinstance(session.clock, FixedClock)
    session.run(["report as at 16 Sep 2019 as html", "report as at 1 Jan 2030", "report x"])
    text = out.getvalue()
    path = tmp_path / "Small-plan-update-2019-09-16.html"
    assert f"Wrote {path}: Small plan — Update at September 2019" in " ".join(text.split())
    assert "<h1>Small plan — Update at September 2019</h1>" in path.read_text()
    assert "the report date 1 Jan 2030 is in the future" in text
    assert "can't read 'x' in the report request" in text
