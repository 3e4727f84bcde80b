"""End-to-end journeys in Microsoft Teams, the way Teams talks to the bot: real Bot Framework
activities posted over HTTP to the bot's /api/messages (unauthenticated mode, as with a local
emulator), and the bot's Bot Connector calls going to the local stand-in."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from sqlmodel import select

from bot.platforms.teams.notifier import TeamsNotifier
from jobs.digest_job import run_digest
from jobs.sweep import run_sweep
from storage.chat_members import member
from storage.engine import read_session, write_session
from storage.models import ChatMember, Plan, Update
from tests.support.small_plan import load_small_plan
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

TODAY = date(2019, 9, 16)  # a Monday; 10:00 London is within working hours
USERS = {
    "29:alice": ("alice@example.org", "Alice Smith"),
    "29:julie": ("julie@example.org", "Julie Fellows"),
    "29:eve": ("eve@example.org", "Eve Other"),
    "29:pat": ("pat@example.org", "Pat Admin"),
}


@pytest.fixture
def bot(sqlite_engine):
    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in USERS.items():
            h.bc.add_member(uid, email=email, name=name)
        yield h
    assert h.bc.errors == [], [(c.method, c.path, c.error) for c in h.bc.errors]


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _install(bot, user_id: str) -> str:
    conv = personal_conversation(user_id)
    assert bot.post(bot.install(user_id))[0] == 200
    bot.wait_for(lambda: bot.bc.sent_to(conv), what=f"the welcome to {user_id}")
    return conv


def _card(activity: dict) -> dict:
    return activity["attachments"][0]["content"]


def _actions(card: dict) -> list[dict]:
    """Every Action.Execute in a card, nested ShowCards included."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(card)
    return found


def _button(card: dict, action_id: int, kind: str, status: str | None = None) -> dict:
    return next(
        a["data"]
        for a in _actions(card)
        if a["data"].get("k") == kind
        and a["data"].get("a") == action_id
        and (status is None or a["data"].get("s") == status)
    )


def _sweep(bot):
    notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
    return notifier, run_sweep(bot.service, notifier, instance_id="test")


def _nudge(bot, conv: str) -> dict:
    return next(a for a in bot.bc.sent_to(conv) if "need an update" in a.get("text", ""))


def test_install_matches_by_email_and_stores_the_conversation_reference(bot):
    conv = _install(bot, "29:julie")
    with read_session(bot.engine) as s:
        row = member(s, "teams", "29:julie")
        assert row.owner_id is not None and row.email == "julie@example.org"
        assert row.conversation_id == conv and row.service_url == bot.bc.service_url
        assert row.tenant_id == "tenant-1" and row.aad_object_id == "aad-julie"
    assert bot.bc.calls_to("GET", r"/members/29:julie$")
    assert "Hello Julie Fellows" in bot.bc.sent_to(conv)[0]["text"]
    # installationUpdate works the same, and an unknown user is told why they are not matched
    bot.bc.add_member("29:nobody", email="nobody@example.org", name="No Body")
    assert bot.post(bot.installation_update("29:nobody"))[0] == 200
    conv2 = personal_conversation("29:nobody")
    first = bot.wait_for(lambda: bot.bc.sent_to(conv2), what="welcome")[0]
    assert "can't match you" in first["text"]


def test_sweep_sends_one_card_per_owner_and_completed_replaces_the_card(bot):
    julie, alice = _install(bot, "29:julie"), _install(bot, "29:alice")
    notifier, report = _sweep(bot)
    assert not report.failures, report.failures
    nudge = _nudge(bot, julie)
    assert len([a for a in bot.bc.sent_to(julie) if "need an update" in a.get("text", "")]) == 1
    assert _nudge(bot, alice)
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    data = _button(_card(nudge), l2.id, "status", "Completed")
    status, body = bot.post(bot.execute("29:julie", data, reply_to=nudge["id"]))
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    replacement = json.dumps(body["value"])
    assert "Completed stored by Julie Fellows" in replacement
    # the other action in the nudge still has its buttons; L2's are gone
    assert not [a for a in _actions(body["value"]) if a["data"].get("a") == l2.id]
    assert _actions(body["value"])
    ups = _updates(bot.engine)
    assert [(u.status, u.source, u.author_name) for u in ups] == [
        ("Completed", "button", "Julie Fellows")
    ]
    # a second sweep the same day sends nothing more
    before = len(bot.bc.calls_to("POST", r"/activities$"))
    run_sweep(bot.service, notifier, instance_id="other")
    assert len(bot.bc.calls_to("POST", r"/activities$")) == before


def test_action_submit_stores_and_updates_the_card_in_place(bot):
    julie = _install(bot, "29:julie")
    _sweep(bot)
    nudge = _nudge(bot, julie)
    c1 = bot.service.find_action(bot.service.snapshot(), "C1")
    data = _button(_card(nudge), c1.id, "status", "On track")
    assert bot.post(bot.submit("29:julie", data, reply_to=nudge["id"]))[0] == 200
    updated = bot.wait_for(
        lambda: (
            bot.bc.activity(julie, nudge["id"]).get("updated")
            and bot.bc.activity(julie, nudge["id"])
        ),
        what="the card update",
    )
    assert "On track stored by Julie Fellows" in json.dumps(updated)
    assert [u.status for u in _updates(bot.engine)] == ["On track"]


def test_non_owner_submit_is_refused_and_nothing_stored(bot):
    julie, eve = _install(bot, "29:julie"), _install(bot, "29:eve")
    _sweep(bot)
    nudge = _nudge(bot, julie)
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    data = _button(_card(nudge), l2.id, "status", "Completed")
    status, body = bot.post(bot.execute("29:eve", data))
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "only the owners of L2" in body["value"]
    assert _updates(bot.engine) == []
    said = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(eve) if "Nothing was stored" in json.dumps(a)],
        what="the refusal",
    )
    assert said


def test_same_activity_twice_stores_one_update(bot):
    julie = _install(bot, "29:julie")
    _sweep(bot)
    nudge = _nudge(bot, julie)
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    data = _button(_card(nudge), l2.id, "status", "Completed")
    act = bot.execute("29:julie", data, activity_id="f:redelivered-1")
    assert bot.post(act)[0] == 200
    status, body = bot.post(act)
    assert status == 200 and "Completed stored" in json.dumps(body)
    sub = bot.submit("29:julie", {**data, "s": "Delayed"}, activity_id="f:redelivered-2")
    assert bot.post(sub)[0] == 200
    assert bot.post(sub)[0] == 200
    bot.wait_for(lambda: len(_updates(bot.engine)) == 2, what="the submit")
    text = bot.message("29:julie", "L2 on track: published", activity_id="f:redelivered-3")
    for _ in range(3):
        assert bot.post(text)[0] == 200
    bot.wait_for(lambda: len(_updates(bot.engine)) == 3, what="the text reply")
    assert [u.status for u in _updates(bot.engine)] == ["Completed", "Delayed", "On track"]

    # The thrice-delivered text reply is answered once. (Other "Stored for L2" messages in the
    # chat answer the click and the submit; only this answer carries "published".)
    def text_answers():
        return [
            a
            for a in bot.bc.sent_to(julie)
            if a.get("text", "").startswith("Stored") and "published" in json.dumps(a)
        ]

    bot.wait_for(text_answers, what="the answer to the text reply")
    time.sleep(0.5)  # a doubled answer would come as soon as the first
    assert len(text_answers()) == 1


def test_form_with_revised_date_is_stored(bot):
    julie = _install(bot, "29:julie")
    _sweep(bot)
    nudge = _nudge(bot, julie)
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    form = _button(_card(nudge), l2.id, "form")
    inputs = {
        f"status_{l2.id}": "Delayed",
        f"commentary_{l2.id}": "Waiting on <b>HR</b> & [link](http://x)",
        f"revised_date_{l2.id}": "2019-12-31",
    }
    status, body = bot.post(bot.execute("29:julie", {**form, **inputs}))
    assert status == 200
    (u,) = _updates(bot.engine)
    assert (u.status, u.source, u.revised_due) == ("Delayed", "form", date(2019, 12, 31))
    assert u.commentary == "Waiting on <b>HR</b> & [link](http://x)"
    assert bot.service.find_action(bot.service.snapshot(), "L2").due_date == date(2019, 12, 31)
    # both a date and words: refused, nothing stored
    both = {**inputs, f"revised_text_{l2.id}": "end of March 2020"}
    status, body = bot.post(bot.execute("29:julie", {**form, **both}))
    assert "not both" in body["value"] and len(_updates(bot.engine)) == 1
    # words only: read in the plan's calendar
    words = {f"status_{l2.id}": "Delayed", f"revised_text_{l2.id}": "end of March 2020"}
    bot.post(bot.execute("29:julie", {**form, **words}))
    assert _updates(bot.engine)[-1].revised_due == date(2020, 3, 31)
    # user text never becomes markdown: it travels in TextRuns
    stored = [a for a in bot.bc.sent_to(julie) if a.get("text", "").startswith("Stored for L2")]
    runs = [
        r
        for a in stored
        for b in _card(a)["body"]
        if b["type"] == "RichTextBlock"
        for r in b["inlines"]
    ]
    assert any(r["text"] == "Waiting on <b>HR</b> & [link](http://x)" for r in runs)


def test_overdue_query_lists_actions_and_pages(bot):
    julie = _install(bot, "29:julie")
    assert bot.post(bot.message("29:julie", "overdue"))[0] == 200
    answer = bot.wait_for(
        lambda: [
            a
            for a in bot.bc.sent_to(julie)
            if "Overdue" in a.get("text", "") or "overdue" in a.get("text", "").lower()
        ][1:],
        what="the list",
    )
    body = json.dumps(_card(answer[-1]))
    assert "L2" in body and "days overdue" in body
    # help is answered too
    bot.post(bot.message("29:julie", "help"))
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if a.get("text") == "What I understand"],
        what="help",
    )


def test_completion_waits_for_signoff_and_the_lead_confirms_in_teams(bot):
    from tests.test_slack_journeys import _plan_requires_signoff

    _plan_requires_signoff(bot.engine, "Alice Smith")
    julie, alice = _install(bot, "29:julie"), _install(bot, "29:alice")
    bot.post(bot.message("29:julie", "L2 done: coaching offer published"))
    ask = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(alice) if "marked L2 Completed" in a.get("text", "")],
        what="the sign-off request",
    )
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    assert l2.signoff_pending
    confirm = next(a["data"] for a in _actions(_card(ask[0])) if a["data"].get("ok") is True)
    # Julie cannot confirm her own completion
    status, body = bot.post(bot.execute("29:julie", confirm))
    assert "only the theme lead" in body["value"]
    status, body = bot.post(bot.execute("29:alice", confirm))
    assert "L2 confirmed" in json.dumps(body["value"])
    assert not bot.service.find_action(bot.service.snapshot(), "L2").signoff_pending
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if "confirmed L2" in a.get("text", "")],
        what="Julie told",
    )


def test_away_and_back_in_the_chat(bot):
    julie = _install(bot, "29:julie")
    bot.post(bot.message("29:julie", "away until 30 September 2019"))
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if "away until" in a.get("text", "")],
        what="the away notice",
    )
    bot.post(bot.message("29:julie", "back"))
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if "Welcome back" in a.get("text", "")],
        what="the back notice",
    )


def test_digest_posts_to_a_team_channel_split_under_the_limit(bot):
    general = "19:general-team1@thread.tacv2"
    leaders = "19:leaders-team1@thread.tacv2"
    bot.bc.add_team(general, {general: None, leaders: "Leadership"}, list(USERS))
    assert bot.post(bot.team_install(general, "Programme Office", "29:pat"))[0] == 200
    from storage.chat_members import teams_channels

    bot.wait_for(lambda: len(_channels(bot)) == 2, what="the channels stored")
    # every team member is matched by email at install, without a message from them
    bot.wait_for(lambda: len(_matched(bot)) == 4, what="the team's members matched")
    with read_session(bot.engine) as s:
        names = {c.channel_id: c.name for c in teams_channels(s)}
    assert names == {general: "General", leaders: "Leadership"}
    with write_session(bot.engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.leadership_channels = leaders
        s.add(plan)
    notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
    report = run_digest(bot.service, notifier, on_demand=True, instance_id="t")
    assert not report.failures, report.failures
    posted = bot.bc.sent_to(leaders)
    assert posted and "progress digest" in posted[0]["text"]
    assert any(b.get("type") == "Image" for a in posted for b in _card(a)["body"])  # the chart


def _matched(bot):
    with read_session(bot.engine) as s:
        return s.exec(select(ChatMember).where(ChatMember.owner_id.is_not(None))).all()


def _channels(bot):
    from storage.chat_members import teams_channels

    with read_session(bot.engine) as s:
        return teams_channels(s)


def test_rate_limited_and_failing_connector_calls_are_retried(bot):
    julie, _ = _install(bot, "29:julie"), _install(bot, "29:alice")
    bot.bc.fail_next(429, 2, retry_after=0.2)
    bot.bc.fail_next(502, 1)
    _, report = _sweep(bot)
    assert not report.failures and _nudge(bot, julie)
    assert [c.status for c in bot.bc.refused][-3:] == [429, 429, 502]


def test_malformed_activity_gets_400_and_healthz_answers(bot):
    import urllib.request

    status, body = bot.post({"type": "message", "text": "hi"})
    assert status == 400 and "serviceUrl" in body["error"] and "from.id" in body["error"]
    assert bot.post(b"not json")[0] == 400
    with urllib.request.urlopen(bot.base + "/healthz", timeout=5) as r:
        assert r.status == 200 and r.read() == b"ok"


def test_authentication_on_refuses_unsigned_requests_and_stores_nothing(sqlite_engine):
    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, TODAY, authenticated=True) as bot:
        bot.bc.add_member("29:julie", email="julie@example.org", name="Julie Fellows")
        for act in (bot.install("29:julie"), bot.message("29:julie", "L2 done")):
            assert bot.post(act)[0] == 401
            assert bot.post(act, headers={"Authorization": "Bearer not-a-jwt"})[0] == 401
        assert bot.post({"type": "message"})[0] == 401  # malformed and unsigned: still 401
        assert bot.bc.calls == [] and _updates(sqlite_engine) == []
        with read_session(sqlite_engine) as s:
            assert s.exec(select(ChatMember)).all() == []


def test_free_text_reply_is_about_the_last_nudge_and_owe_shows_it(bot):
    alice = _install(bot, "29:alice")
    _sweep(bot)
    nudge = _nudge(bot, alice)
    listed = {a["data"]["a"] for a in _actions(_card(nudge)) if a["data"].get("k") == "status"}
    # Alice's nudge lists the actions of the role she holds; a reply naming none of them is
    # about the nudge (decided by handlers/conversation.py, not by the Teams adapter)
    assert bot.post(bot.message("29:alice", "On track: workshops booked for 12 March"))[0] == 200
    if len(listed) == 1:
        bot.wait_for(lambda: _updates(bot.engine), what="the update")
        assert _updates(bot.engine)[0].action_id in listed
    else:
        asked = bot.wait_for(
            lambda: [a for a in bot.bc.sent_to(alice) if "Which action" in a.get("text", "")],
            what="the question",
        )
        picks = {a["data"]["a"] for a in _actions(_card(asked[0])) if a["data"]["k"] == "pick"}
        assert picks == listed and _updates(bot.engine) == []
        pick = next(a["data"] for a in _actions(_card(asked[0])) if a["data"]["k"] == "pick")
        status, body = bot.post(bot.execute("29:alice", pick))
        assert "On track" in json.dumps(body["value"])
        assert [u.commentary for u in _updates(bot.engine)] == ["workshops booked for 12 March"]
    bot.post(bot.message("29:alice", "what do I owe?"))
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(alice) if a.get("text", "").startswith("What you owe")],
        what="the owe answer",
    )


def test_a_long_nudge_is_split_into_cards_under_the_size_limit(bot):
    from bot.core.owing import who_owes_what
    from bot.platforms.teams import cards as cd
    from bot.platforms.teams.connector import message
    from handlers.replies import Nudge

    julie = _install(bot, "29:julie")
    snap = bot.service.snapshot()
    owed = who_owes_what(snap, TODAY)
    person = next(p for p in owed if p.name == "Julie Fellows")
    # 150 copies of her items, each with a 3,000-character text in non-Latin script
    base = owed[person][0]
    from dataclasses import replace

    items = tuple(
        replace(base, action=base.action._replace(id=10_000 + i, ref=f"X{i}", text="Ω" * 3000))
        for i in range(150)
    )
    parts = cd.nudge_cards(person.name, items, TODAY, claim_id=7)
    assert len(parts) > 1
    assert all(cd.size_of(message(p, "x" * 200)) < 80 * 1024 for p in parts)
    listed = [
        a["data"]["a"]
        for p in parts
        for a in _actions(p)
        if a["data"]["k"] == "status" and a["data"]["s"] == "Completed"
    ]
    assert listed == [10_000 + i for i in range(150)]  # every action once, in order
    notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
    delivered = notifier.send_nudge(person, Nudge(person, items, TODAY), claim_id=7)
    assert delivered.channel == julie
    # the welcome, then every part: the stand-in (80 KB as UTF-16) refused none
    assert len(bot.bc.sent_to(julie)) == 1 + len(parts)


def test_a_claim_left_by_a_crash_after_sending_is_not_sent_again(bot):
    from datetime import timedelta

    _install(bot, "29:julie"), _install(bot, "29:alice")
    notifier, report = _sweep(bot)
    sent_before = len(bot.bc.calls_to("POST", r"/activities$"))
    # The process died after Teams accepted the nudges but before they were marked sent:
    from sqlalchemy import update as sql_update

    from storage.models import NudgeMessage

    with write_session(bot.engine) as s:
        s.execute(sql_update(NudgeMessage).values(state="claimed", sent_at=None))
    bot.clock.set(bot.clock.now() + timedelta(hours=2))  # the lease has run out
    again = run_sweep(bot.service, notifier, instance_id="after-crash")
    assert len(bot.bc.calls_to("POST", r"/activities$")) == sent_before  # nothing resent
    notes = [n.note for n in again.nudged]
    assert notes and all("already delivered" in n for n in notes)
    with read_session(bot.engine) as s:
        assert {m.state for m in s.exec(select(NudgeMessage))} == {"sent"}


def test_signoff_return_needs_a_comment_and_reopens_the_action(bot):
    from tests.test_slack_journeys import _plan_requires_signoff

    _plan_requires_signoff(bot.engine, "Alice Smith")
    julie, alice = _install(bot, "29:julie"), _install(bot, "29:alice")
    bot.post(bot.message("29:julie", "L2 done: coaching offer published"))
    ask = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(alice) if "marked L2 Completed" in a.get("text", "")],
        what="the sign-off request",
    )
    ret = next(a["data"] for a in _actions(_card(ask[0])) if a["data"].get("ok") is False)
    status, body = bot.post(bot.execute("29:alice", {**ret, "comment": "  "}))
    assert "Say why" in body["value"]
    assert bot.service.find_action(bot.service.snapshot(), "L2").signoff_pending
    status, body = bot.post(bot.execute("29:alice", {**ret, "comment": "No evidence attached yet"}))
    assert "L2 returned" in json.dumps(body["value"])
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    assert not l2.signoff_pending and l2.status != "Completed"
    told = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if "returned L2" in a.get("text", "")],
        what="the owner told",
    )
    assert "No evidence attached yet" in told[0]["text"]


def test_mine_lists_my_actions_with_update_forms_and_pages(bot, sqlite_engine):
    from storage.plan_sync import ActionSpec, DeadlineSpec, OwnerSpec, PlanSpec, sync_plan

    with write_session(sqlite_engine) as s:
        spec = PlanSpec(
            name="Small plan",
            actions=[
                ActionSpec(
                    ref=f"P{i}",
                    text=f"Action {i}",
                    theme="Big",
                    objective="",
                    deadline=DeadlineSpec("01/01/2019", date(2019, 1, 1), "fixed", True),
                    owners=[OwnerSpec("Julie Fellows", "person")],
                )
                for i in range(25)
            ],
        )
        sync_plan(s, spec, now=bot.clock.now())
    julie = _install(bot, "29:julie")
    bot.post(bot.message("29:julie", "mine"))
    first = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(julie) if "page 1 of 3" in json.dumps(a)], what="page 1"
    )[0]
    forms = [a for a in _actions(_card(first)) if a["data"]["k"] == "form"]
    assert len(forms) == 10  # an Update… form for each action on the page: she owns them
    nxt = next(a["data"] for a in _actions(_card(first)) if a["data"]["k"] == "page")
    status, body = bot.post(bot.execute("29:julie", nxt, reply_to=first["id"]))
    assert "page 2 of 3" in json.dumps(body["value"])
    # Eve owns none of them: the same list, no forms
    _install(bot, "29:eve")
    status, body = bot.post(bot.execute("29:eve", nxt))
    page = body["value"]
    assert "page 2 of 3" in json.dumps(page) or "0 actions" in json.dumps(page)
    assert not [a for a in _actions(page) if a["data"]["k"] == "form"]


def test_admin_lists_unmatched_maps_a_role_by_mention_and_posts_digest_now(bot):
    pat, eve = _install(bot, "29:pat"), _install(bot, "29:eve")
    bot.post(bot.message("29:eve", "digest now"))
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(eve) if "for administrators" in a.get("text", "")],
        what="the refusal",
    )
    bot.post(bot.message("29:pat", "people"))
    listed = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(pat) if "not matched yet" in a.get("text", "")],
        what="the people list",
    )
    text = json.dumps(_card(listed[0]))
    # Julie and Alice have not installed the app; nobody holds Chief Finance Officer
    assert "Julie Fellows" in text and "Chief Finance Officer" in text and "Eve Other" not in text
    act = bot.message("29:pat", "map Chief Finance Officer to <at>Eve Other</at>")
    act["entities"] = [
        {
            "type": "mention",
            "text": "<at>Eve Other</at>",
            "mentioned": {"id": "29:eve", "name": "Eve Other"},
        }
    ]
    bot.post(act)
    bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(pat) if "Eve Other now holds" in a.get("text", "")],
        what="the mapping",
    )
    c2 = bot.service.find_action(bot.service.snapshot(), "C2")
    assert bot.service.can_update(
        bot.service.actor_for_name("Eve Other"), c2, bot.service.snapshot()
    )
    leaders = "19:leaders-team1@thread.tacv2"
    bot.bc.add_team(leaders, {leaders: None}, list(USERS))
    bot.post(bot.team_install(leaders, "Leaders", "29:pat"))
    bot.wait_for(lambda: _channels(bot), what="the channel")
    with write_session(bot.engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.leadership_channels = leaders
        s.add(plan)
    before = len(bot.bc.sent_to(pat))
    bot.post(bot.message("29:pat", "digest now"))
    # drawing the chart imports matplotlib the first time: allow for a slow machine
    said = bot.wait_for(lambda: bot.bc.sent_to(pat)[before:], timeout=90, what="the digest answer")
    assert "Digest posted to" in said[0]["text"], said[0]["text"]
    assert "progress digest" in bot.bc.sent_to(leaders)[0]["text"]


def test_a_slow_action_execute_answers_at_once_and_replaces_the_card_when_done(bot):
    julie = _install(bot, "29:julie")
    _sweep(bot)
    nudge = _nudge(bot, julie)
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    data = _button(_card(nudge), l2.id, "status", "Completed")
    bot.runtime.execute_budget = 0.0  # as if the store were slow
    status, body = bot.post(bot.execute("29:julie", data, reply_to=nudge["id"]))
    assert status == 200 and "Saving" in json.dumps(body["value"])
    final = bot.wait_for(
        lambda: (
            bot.bc.activity(julie, nudge["id"]).get("updated")
            and bot.bc.activity(julie, nudge["id"])
        ),
        what="the card replaced",
    )
    assert "Completed stored by Julie Fellows" in json.dumps(final)
    assert [u.status for u in _updates(bot.engine)] == ["Completed"]


def test_a_burst_of_status_submits_is_stored_together_each_answered_and_refusals_kept(bot):
    julie, alice, eve = (_install(bot, u) for u in ("29:julie", "29:alice", "29:eve"))
    _sweep(bot)
    snap = bot.service.snapshot()
    ref = {a.ref: a.id for a in snap.actions}
    j_nudge, a_nudge = _nudge(bot, julie), _nudge(bot, alice)
    burst = [
        bot.submit(
            "29:julie",
            _button(_card(j_nudge), ref["L2"], "status", "On track"),
            reply_to=j_nudge["id"],
        ),  # fmt: skip
        bot.submit(
            "29:alice",
            _button(_card(a_nudge), ref["L1"], "status", "Delayed"),
            reply_to=a_nudge["id"],
        ),  # fmt: skip
        # Eve presses Julie's button (a forwarded card): refused, and the others still stored.
        bot.submit("29:eve", _button(_card(j_nudge), ref["L2"], "status", "Completed")),
        bot.submit("29:julie", {"k": "status", "a": ref["C1"], "s": "Ongoing"}),
        bot.submit("29:julie", {"k": "status", "a": "not a number", "s": "Ongoing"}),
    ]
    # Handed to the batch path as the inbox hands a burst taken together.
    from bot.platforms.teams.sdk import activity_dict

    bot.runtime.bot.handle_statuses([activity_dict(json.loads(json.dumps(a))) for a in burst])
    ups = _updates(bot.engine)
    assert sorted((u.author_name, u.status) for u in ups) == sorted(
        [("Alice Smith", "Delayed"), ("Julie Fellows", "Ongoing"), ("Julie Fellows", "On track")]
    )
    assert "On track stored by Julie Fellows" in json.dumps(bot.bc.activity(julie, j_nudge["id"]))
    assert "Delayed stored by Alice Smith" in json.dumps(bot.bc.activity(alice, a_nudge["id"]))
    said = json.dumps(bot.bc.sent_to(eve))
    assert "only the owners of L2" in said and "Nothing was stored" in said
    assert "could not be read" in json.dumps(bot.bc.sent_to(julie))  # the unreadable one

    # The same burst delivered again through HTTP at once: stored once, nothing new.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(burst)) as pool:
        assert [s for s, _b in pool.map(bot.post, burst)] == [200] * len(burst)
    time.sleep(0.5)
    assert len(_updates(bot.engine)) == 3


def test_a_status_click_is_answered_once_by_the_card_it_replaced(bot):
    """A status button on a card the bot can update is answered by that card, replaced in
    place with what was stored (and its Undo), not by a second message saying the same (as
    Slack updates the one message). A click whose card cannot be updated (no replyToId) gets
    the stored card as one message."""
    from bot.platforms.teams.sdk import activity_dict

    julie = _install(bot, "29:julie")
    _sweep(bot)
    ref = {a.ref: a.id for a in bot.service.snapshot().actions}
    nudge = _nudge(bot, julie)
    before = len(bot.bc.sent_to(julie))
    click = bot.submit("29:julie", {"k": "status", "a": ref["L2"], "s": "On track"},
                       reply_to=nudge["id"])  # fmt: skip
    bot.runtime.bot.handle_statuses([activity_dict(json.loads(json.dumps(click)))])
    assert [(u.author_name, u.status) for u in _updates(bot.engine)] == [
        ("Julie Fellows", "On track")
    ]
    replaced = json.dumps(bot.bc.activity(julie, nudge["id"]))
    assert "Stored for " in replaced and "L2" in replaced and "undo" in replaced.lower()
    assert len(bot.bc.sent_to(julie)) == before  # no second message
    # No card to update: the stored card comes as one message, and only one.
    loose = bot.submit("29:julie", {"k": "status", "a": ref["C1"], "s": "Ongoing"})
    bot.runtime.bot.handle_statuses([activity_dict(json.loads(json.dumps(loose)))])
    new = bot.bc.sent_to(julie)[before:]
    assert len(new) == 1 and "Stored for " in json.dumps(new[0]) and "C1" in json.dumps(new[0])


def test_a_stored_burst_answers_only_when_nobody_else_is_being_read_or_stored(bot, monkeypatch):
    """A burst's answers (card updates at the Bot Connector's rate) wait, as the sweep does,
    while another request is in flight, and go once none is; the burst is stored first. (A
    foreground of the test's own, which "another request" holds; the clicks' own counts stay
    in the process's.)"""
    import threading

    import bot.foreground as fg
    import bot.platforms.teams.activities as acts
    from bot.platforms.teams.sdk import activity_dict

    mine = fg.Foreground(max_hold=30)
    monkeypatch.setattr(acts, "FOREGROUND", mine)
    julie, alice = _install(bot, "29:julie"), _install(bot, "29:alice")
    _sweep(bot)
    ref = {a.ref: a.id for a in bot.service.snapshot().actions}
    j_nudge, a_nudge = _nudge(bot, julie), _nudge(bot, alice)
    burst = [
        bot.submit("29:julie", _button(_card(j_nudge), ref["L2"], "status", "On track"),
                   reply_to=j_nudge["id"]),
        bot.submit("29:alice", _button(_card(a_nudge), ref["L1"], "status", "Delayed"),
                   reply_to=a_nudge["id"]),
    ]  # fmt: skip
    mine.enter()  # another burst's request, being read
    seen: dict[str, object] = {}

    def when_stored_look_then_let_go() -> None:
        deadline = time.monotonic() + 10
        while len(_updates(bot.engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        seen["card while held"] = json.dumps(bot.bc.activity(julie, j_nudge["id"]))
        mine.leave()

    t = threading.Thread(target=when_stored_look_then_let_go)
    t.start()
    bot.runtime.bot.handle_statuses([activity_dict(json.loads(json.dumps(a))) for a in burst])
    t.join(10)
    assert sorted(u.status for u in _updates(bot.engine)) == ["Delayed", "On track"]
    assert "On track stored by Julie Fellows" not in seen["card while held"]
    assert "On track stored by Julie Fellows" in json.dumps(bot.bc.activity(julie, j_nudge["id"]))
    assert "Delayed stored by Alice Smith" in json.dumps(bot.bc.activity(alice, a_nudge["id"]))
