"""handlers/conversation.py: what a line of chat means, the same for every platform, with the
context (last nudge, open question) kept in the database across restarts. SQLite and PG."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.people import Actor
from bot.core.service import PlanService
from handlers.conversation import Conversation, person_key
from handlers.replies import (
    ActionList,
    AskAction,
    AskStatus,
    AwayNotice,
    HelpText,
    Nudge,
    Problem,
    UpdateStored,
)
from storage.engine import write_session
from storage.plans import update_plan
from storage.queries import get_plan
from tests.support.small_plan import small_service

TODAY = date(2019, 9, 16)


@pytest.fixture
def service(engine) -> PlanService:
    return small_service(engine, TODAY)


def _restarted(service: PlanService) -> Conversation:
    """A new service and conversation on the same database, as after a restart."""
    return Conversation(PlanService(service.engine, service.clock))


def _id(service: PlanService, ref: str) -> int:
    return service.find_action(service.snapshot(), ref).id


@pytest.mark.parametrize("word", ["overdue", "mine", "all", "due soon", "Overdue?", "/actions"])
def test_a_query_word_alone_is_a_query_never_an_update(service, word):
    julie = service.actor_for_name("Julie Fellows")
    reply = Conversation(service).handle(julie, word, platform="slack")
    assert isinstance(reply, ActionList), reply
    # Nothing was stored as an update ("overdue" reads as the status Delayed).
    snap = service.snapshot()
    assert all(a.replied_at is None for a in snap.actions)


def test_help_and_owe(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    assert isinstance(conv.handle(julie, "help", platform="teams"), HelpText)
    owe = conv.handle(julie, "what do I owe?", platform="teams")
    assert isinstance(owe, Nudge) and owe.person.name == "Julie Fellows"
    # What `owe` showed is the last nudge: a bare reply is about it.
    assert conv.last_nudge("teams", person_key(julie.person)) == tuple(
        o.action.id for o in owe.items
    )


def test_a_query_word_alone_wins_over_an_open_question_and_closes_it(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    asked = conv.handle(julie, "L2 coaching offer drafted", platform="console")
    assert isinstance(asked, AskStatus)
    assert isinstance(conv.handle(julie, "overdue", platform="console"), ActionList)
    assert conv.pending("console", person_key(julie.person)) is None
    # The question is closed: "on track" alone is now a reply with no action named.
    assert not isinstance(conv.handle(julie, "on track", platform="console"), UpdateStored)


def test_an_update_naming_its_reference(service):
    julie = service.actor_for_name("Julie Fellows")
    reply = Conversation(service).handle(
        julie, "L2 on track: coaching offer drafted", platform="slack"
    )
    assert isinstance(reply, UpdateStored)
    assert reply.action.ref == "L2" and reply.update.status == "On track"
    assert reply.update.commentary == "coaching offer drafted"


def test_a_reply_about_the_last_nudge_survives_a_restart(service):
    julie = service.actor_for_name("Julie Fellows")
    Conversation(service).remember_nudge("slack", person_key(julie.person), (_id(service, "L2"),))
    reply = _restarted(service).handle(julie, "slipping to end of October", platform="slack")
    assert isinstance(reply, UpdateStored), reply
    assert reply.action.ref == "L2" and reply.update.status == "Delayed"
    assert reply.update.revised_due == date(2019, 10, 31)


def test_context_is_per_platform(service):
    julie = service.actor_for_name("Julie Fellows")
    Conversation(service).remember_nudge("slack", person_key(julie.person), (_id(service, "L2"),))
    # Nothing was nudged on Teams: Julie holds two open actions, so the bot asks which.
    reply = Conversation(service).handle(julie, "slipping to end of October", platform="teams")
    assert isinstance(reply, AskAction)
    assert {a.ref for a in reply.candidates} == {"L2", "C1"}


def test_the_thread_a_reply_is_in_beats_the_last_nudge(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    conv.remember_nudge("slack", person_key(julie.person), (_id(service, "L2"),))
    reply = conv.handle(julie, "on track", platform="slack", thread_context=(_id(service, "C1"),))
    assert isinstance(reply, UpdateStored) and reply.action.ref == "C1"


def test_answering_which_action_by_number_or_reference_after_a_restart(service):
    julie = service.actor_for_name("Julie Fellows")
    asked = Conversation(service).handle(julie, "slipping to end of October", platform="console")
    assert isinstance(asked, AskAction)
    second = asked.candidates[1]
    reply = _restarted(service).handle(julie, "2", platform="console")
    assert isinstance(reply, UpdateStored) and reply.action.id == second.id
    assert reply.update.revised_due == date(2019, 10, 31)

    asked = Conversation(service).handle(julie, "ongoing: panel met", platform="console")
    assert isinstance(asked, AskAction)
    reply = Conversation(service).handle(julie, "c1", platform="console")
    assert isinstance(reply, UpdateStored) and reply.action.ref == "C1"
    assert reply.update.status == "Ongoing" and reply.update.commentary == "panel met"

    # A reference written another way ("c1)", "(C1)") answers just the same.
    for answer in ("c1)", "(C1)"):
        asked = Conversation(service).handle(julie, "ongoing: panel met again", platform="console")
        assert isinstance(asked, AskAction)
        reply = Conversation(service).handle(julie, answer, platform="console")
        assert isinstance(reply, UpdateStored) and reply.action.ref == "C1", answer


def test_answering_what_status_keeps_the_comment(service):
    julie = service.actor_for_name("Julie Fellows")
    asked = Conversation(service).handle(julie, "L2 coaching offer drafted", platform="slack")
    assert isinstance(asked, AskStatus) and asked.action.ref == "L2"
    reply = _restarted(service).handle(julie, "on track", platform="slack")
    assert isinstance(reply, UpdateStored) and reply.update.status == "On track"
    assert reply.update.commentary == "coaching offer drafted"
    # Answered: the question is closed.
    assert Conversation(service).pending("slack", person_key(julie.person)) is None


def test_a_new_update_is_not_taken_as_the_answer(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    assert isinstance(conv.handle(julie, "L2 coaching offer drafted", platform="slack"), AskStatus)
    reply = conv.handle(julie, "C1 ongoing: panel met", platform="slack")
    assert isinstance(reply, UpdateStored) and reply.action.ref == "C1"


def test_buttons_answer_the_open_question(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    asked = conv.handle(julie, "slipping to end of October", platform="slack", user_key="U1")
    assert isinstance(asked, AskAction)
    l2 = _id(service, "L2")
    reply = conv.pick_action(julie, l2, asked.text, platform="slack", external_id="pick-1")
    assert isinstance(reply, UpdateStored) and reply.action.id == l2
    assert conv.pending("slack", person_key(julie.person)) is None
    reply = conv.give_status(julie, l2, "Completed", platform="slack", commentary="published")
    assert isinstance(reply, UpdateStored) and reply.update.status == "Completed"


def test_away_and_back_are_routed(service):
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    away = conv.handle(julie, "away until 3 October deputy Eve Other", platform="slack")
    assert isinstance(away, AwayNotice) and away.deputy is not None
    assert away.until == date(2019, 10, 3)
    back = conv.handle(julie, "I'm back", platform="slack")
    assert isinstance(back, AwayNotice) and back.until is None and back.ended == 1


def test_someone_the_plan_does_not_know_is_keyed_by_their_platform_id(service):
    # Outsiders may read only a plan shared with the whole workspace (issue 11, point 6).
    with write_session(service.engine) as s:
        update_plan(s, get_plan(s, None), now=service.clock.now(), readers="workspace")
    stranger = Actor("U999 stranger")
    conv = Conversation(service)
    assert isinstance(
        conv.handle(stranger, "overdue", platform="slack", user_key="U999"), ActionList
    )
    with pytest.raises(ValueError):
        conv.handle(stranger, "overdue", platform="slack")


def test_an_empty_line_says_what_to_do(service):
    julie = service.actor_for_name("Julie Fellows")
    reply = Conversation(service).handle(julie, "   ", platform="console")
    assert isinstance(reply, Problem) and "empty" in reply.text


@pytest.mark.parametrize(
    "line, kind",
    [
        ("overdue", "query"),
        ("theme leadership", "query"),
        ("L4", "query"),
        ("#23", "query"),
        ("due 1/4/2020..30/6/2020", "query"),
        ("#23 done", "update"),
        ("slipping to end of June", "update"),
        ("L4 on track: workshops booked", "update"),
        ("away until 3 March", "away"),
        ("back", "back"),
        ("owe", "owe"),
        ("what do I owe?", "owe"),
        ("help", "help"),
    ],
)
def test_intent(service, line, kind):
    assert Conversation(service).intent(line)[0] == kind


def test_acting_as_a_role_is_acting_as_its_holder(service):
    role = service.actor_for_name("Director of Corporate Affairs")
    assert role.person is not None and role.person.name == "Alice Smith"
    assert role.via_role == "Director of Corporate Affairs"
    conv = Conversation(service)
    owe = conv.handle(role, "owe", platform="console")
    assert isinstance(owe, Nudge) and owe.person.name == "Alice Smith"
    assert sorted(o.action.ref for o in owe.items) == ["C1", "L1"]
    mine = conv.handle(role, "mine", platform="console")
    assert sorted(a.ref for a in mine.actions) == ["C1", "L1"]
    stored = conv.handle(role, "L1 on track: booked", platform="console")
    assert isinstance(stored, UpdateStored) and stored.update.author_name == "Alice Smith"
    # A role nobody holds acts as the role itself, and says so.
    cfo = service.actor_for_name("Chief Finance Officer")
    assert cfo.person is None and "nobody holds" in cfo.description
