"""No acknowledged message is ever lost: what the bot answers 200 is in the database first
(storage/inbox.py), is handled from there, and is finished by whichever instance runs next
when the one that acknowledged it dies; past the backlog bound the bot refuses instead of
queueing without end (Slack retries an event; a command, click or form is told to try
again).

The crash test kills the real `progressbot run` with SIGKILL while acknowledged work
waits, starts it again, and counts the stored updates, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock, SystemClock
from bot.core.people import may_update
from bot.core.service import PlanService
from bot.platforms.inbox_worker import InboxWorker, Put
from bot.platforms.slack.ack import BUSY_TEXT
from storage import inbox as store
from storage.engine import make_engine, read_session
from storage.models import InboxItem, Update
from tests.support.bot_process import BotProcess, add_sample_people
from tests.support.slack_api import CHANNEL_KEY, FakeClock, SlackStandIn
from tests.support.slack_bot import SECRET, SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
    post_to_bot,
    signed_headers,
)
from tests.support.small_plan import load_small_plan
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

PRIYA = "U0PRIYA"
JULIE = "U0JULIE"
DMS, CLICKS = 16, 4  # sent before the kill
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


# -- the inbox on its own, on both databases ----------------------------------------------------
def _worker(engine, clock, run, **kw) -> InboxWorker:
    return InboxWorker(engine, clock, "slack", run, instance_id=kw.pop("instance_id", "me"), **kw)


def _open_rows(engine) -> list[InboxItem]:
    with read_session(engine) as s:
        return list(s.exec(select(InboxItem).where(InboxItem.done_at.is_(None))))


def test_stored_once_handled_once_then_emptied(engine):
    ran: list[dict] = []
    worker = _worker(engine, FixedClock(T0), lambda kind, body: ran.append(body))
    try:
        assert worker.put("slack.message", "slack:Ev1", {"text": "L2 on track"}) is Put.STORED
        # Slack's re-delivery of the same event id: acknowledged, not stored or run again.
        assert worker.put("slack.message", "slack:Ev1", {"text": "L2 on track"}) is Put.SEEN
    finally:
        worker.close()
    assert ran == [{"text": "L2 on track"}]
    with read_session(engine) as s:
        (row,) = s.exec(select(InboxItem)).all()
    assert row.done_at is not None and row.payload == "" and row.attempts == 1


def test_backlog_past_the_bound_is_refused_and_nothing_stored(engine):
    gate = threading.Event()
    worker = _worker(engine, FixedClock(T0), lambda kind, body: gate.wait(30), max_backlog=3)
    try:
        got = [worker.put("slack.message", f"slack:Ev{i}", {"i": i}) for i in range(5)]
        assert got == [Put.STORED] * 3 + [Put.BUSY] * 2
        assert worker.backlog() == 3
        assert store.waiting(engine) == 3
        gate.set()
    finally:
        worker.close()
    assert store.waiting(engine) == 0
    with read_session(engine) as s:
        keys = sorted(s.exec(select(InboxItem.delivery_key)).all())
    assert keys == ["slack:Ev0", "slack:Ev1", "slack:Ev2"]  # the refused were never stored


def test_a_request_that_cannot_be_stored_is_refused_not_acknowledged(tmp_path):
    unusable = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # never migrated
    worker = _worker(unusable, FixedClock(T0), lambda kind, body: None)
    try:
        assert worker.put("slack.message", "slack:Ev1", {"text": "L2 on track"}) is Put.BUSY
        assert worker.backlog() == 0
    finally:
        worker.close()
        unusable.dispose()


def test_rows_of_a_dead_instance_are_taken_over_once_its_lease_runs_out(engine):
    # An instance stored three requests, then died before handling them.
    for i in range(3):
        store.put(engine, platform="slack", kind="slack.message", key=f"slack:Ev{i}",
                  payload=json.dumps({"i": i}), instance_id="dead", now=T0, lease=LEASE)  # fmt: skip
    ran: list[int] = []
    clock = FixedClock(T0 + timedelta(seconds=10))
    worker = _worker(engine, clock, lambda kind, body: ran.append(body["i"]), instance_id="alive")
    try:
        assert worker.maintain_once() == 0  # still leased to the dead instance
        clock.set(T0 + LEASE + timedelta(seconds=1))
        assert worker.maintain_once() == 3
    finally:
        worker.close()
    assert sorted(ran) == [0, 1, 2]
    assert _open_rows(engine) == []


def test_two_instances_taking_over_never_take_the_same_row(engine):
    for i in range(60):
        store.put(engine, platform="slack", kind="k", key=f"slack:Ev{i}", payload="{}",
                  instance_id="dead", now=T0, lease=LEASE)  # fmt: skip
    later = T0 + LEASE * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        takes = list(
            pool.map(
                lambda who: store.take_over(
                    engine, instance_id=who, now=later, lease=LEASE, limit=20
                ),
                ["a", "b", "c", "d"],
            )
        )
    taken = [i for t in takes for i in t]
    assert len(taken) == len(set(taken)) == 60
    assert all(len(t) <= 20 for t in takes)


def test_a_failing_handler_is_retried_then_given_up(engine):
    calls: list[int] = []

    def run(kind, body):
        calls.append(1)
        raise RuntimeError("handler bug")

    worker = _worker(engine, FixedClock(T0), run)
    try:
        worker.put("slack.message", "slack:Ev1", {})
        for _ in range(6):  # maintenance runs our own unfinished rows again
            _wait(lambda: worker.backlog() == 0)
            worker.maintain_once()
        _wait(lambda: worker.backlog() == 0)
    finally:
        worker.close()
    assert len(calls) == 3  # MAX_ATTEMPTS, then logged and dropped
    assert _open_rows(engine) == []


def test_a_burst_of_one_batched_kind_is_handled_together_and_other_kinds_alone(engine):
    busy, ran_alone, batches = threading.Event(), [], []

    def run(kind, body):
        if body.get("hold"):
            busy.wait(30)  # keeps the only worker busy while the burst queues up
        ran_alone.append((kind, body["i"]))

    worker = _worker(engine, FixedClock(T0), run, workers=1, batched={"slack.status"},
                     run_many=lambda kind, bodies: batches.append([b["i"] for b in bodies]))  # fmt: skip
    try:
        worker.put("slack.message", "slack:Ev0", {"i": 0, "hold": True})
        for i in range(1, 6):
            worker.put("slack.status", f"slack:Click{i}", {"i": i})
        worker.put("slack.message", "slack:Ev6", {"i": 6})
        worker.put("slack.message", "slack:Ev7", {"i": 7})
        busy.set()
        _wait(lambda: worker.backlog() == 0)
    finally:
        worker.close()
    assert batches == [[1, 2, 3, 4, 5]]  # one call for the five clicks queued together
    assert sorted(ran_alone) == [("slack.message", 0), ("slack.message", 6), ("slack.message", 7)]
    assert _open_rows(engine) == []


def test_a_burst_wakes_one_worker_task_and_one_larger_than_a_batch_is_handled_in_full(engine):
    """Rows of a batched kind queued while a task is on its way ride with it (no thread
    woken per click); past MAX_BATCH the rest get a task of their own; none is lost."""
    from bot.platforms.inbox_worker import MAX_BATCH

    busy, batches = threading.Event(), []

    def run(kind, body):
        busy.wait(30)

    worker = _worker(engine, FixedClock(T0), run, workers=1, batched={"slack.status"},
                     run_many=lambda kind, bodies: batches.append([b["i"] for b in bodies]))  # fmt: skip
    submitted = []
    real_submit = worker._pool.submit
    worker._pool.submit = lambda fn, *a: submitted.append(a) or real_submit(fn, *a)
    n = 2 * MAX_BATCH + 22
    try:
        worker.put("slack.message", "slack:Ev0", {"i": 0})  # holds the only worker
        for i in range(1, n + 1):
            worker.put("slack.status", f"slack:Click{i}", {"i": i})
        assert len(submitted) == 2  # the message's task and one for the whole burst
        busy.set()
        _wait(lambda: worker.backlog() == 0)
    finally:
        worker.close()
    assert [len(b) for b in batches] == [MAX_BATCH, MAX_BATCH, 22]
    assert sorted(i for b in batches for i in b) == list(range(1, n + 1))
    assert len(submitted) == 4
    assert _open_rows(engine) == []


def test_rows_stored_on_an_event_loop_join_the_burst_before_their_grace_runs_out(sqlite_engine):
    """Teams stores a click on its loop (put_now) and hands it to a worker only after
    ACK_GRACE_SECONDS (``later``). The row is queued at once all the same: the task taking
    the burst finds every row stored so far, instead of each later one going alone. (On
    SQLite only: on PostgreSQL put_now always leaves the write to a thread.)"""
    engine = sqlite_engine
    batches, alone, deferred = [], [], []
    worker = _worker(engine, FixedClock(T0), lambda kind, body: alone.append(body["i"]),
                     workers=1, batched={"teams.status"},
                     run_many=lambda kind, bodies: batches.append([b["i"] for b in bodies]))  # fmt: skip

    def later(_delay, fn, *args):  # the loop's call_later, run when the test says
        deferred.append((fn, args))

    try:
        for i in range(1, 6):
            raw = json.dumps({"i": i})
            assert worker.put_now("teams.status", f"teams:{i}", {}, raw=raw, later=later) is Put.STORED
        fn, args = deferred[0]  # the first click's grace runs out first
        fn(*args)
        _wait(lambda: not worker._queued)  # the task has taken what it found
        for fn, args in deferred[1:]:
            fn(*args)
        _wait(lambda: worker.backlog() == 0)
    finally:
        worker.close()
    assert batches == [[1, 2, 3, 4, 5]] and alone == []
    assert len(deferred) == 1  # one task for the burst
    assert _open_rows(engine) == []


def test_requests_that_find_the_database_busy_are_stored_together_once_each(engine):
    """put_soon (an event loop's put when SQLite's write gate is held, and every Teams put on
    PostgreSQL): the requests gathered while the gate is held are written on the door
    thread, none answered before it is stored; a re-delivery is SEEN and takes no place,
    past the bound BUSY and not stored, however the requests fall into groups; every
    stored one is handled."""
    from storage.engine import write_gate

    handled, go = [], threading.Event()

    def run(kind, body):
        go.wait(30)  # the rows stay in the backlog until the test lets them go
        handled.append(body["i"])

    worker = _worker(engine, FixedClock(T0), run, workers=1, max_backlog=5)
    gate = write_gate(engine)
    try:
        if gate is not None:
            assert gate.acquire()  # another writer has it: the requests gather meanwhile
        futures = [
            worker.put_soon("teams.message", f"teams:{i}", {}, raw=json.dumps({"i": i}))
            for i in (1, 2, 2, 3, 4, 5, 6)
        ]
        if gate is not None:
            time.sleep(0.05)
            assert not any(f.done() for f in futures)  # nothing answered before it is stored
            gate.release()
        got = [f.result(timeout=10) for f in futures]
        go.set()
        _wait(lambda: worker.backlog() == 0)
    finally:
        go.set()
        worker.close()
    S, SEEN, BUSY = Put.STORED, Put.SEEN, Put.BUSY
    assert got == [S, S, SEEN, S, S, S, BUSY]
    assert sorted(handled) == [1, 2, 3, 4, 5]
    with read_session(engine) as s:
        keys = sorted(r.delivery_key for r in s.exec(select(InboxItem)))
    assert keys == [f"teams:{i}" for i in range(1, 6)]  # the refused one not stored


def test_threads_that_find_sqlite_busy_store_their_requests_in_group_writes(
    sqlite_engine, monkeypatch
):
    """Slack's gate puts on its HTTP threads. One that finds SQLite's write gate held joins
    the next group write on the door thread (as Teams' loop does) instead of queueing
    behind the others one row each: 50 one-row transactions a burst were the larger part of
    a click's cost. Each thread returns only once its row is stored; a re-delivery is SEEN."""
    from bot.platforms import inbox_worker
    from storage.engine import write_gate

    engine, writes, handled = sqlite_engine, [], []
    real_put_rows = inbox_worker.store.put_rows

    def put_rows(eng, rows, **kw):
        if kw.get("wait", True):  # not the first try that finds the gate held
            writes.append(len(rows))
        return real_put_rows(eng, rows, **kw)

    monkeypatch.setattr(inbox_worker.store, "put_rows", put_rows)
    worker = _worker(engine, FixedClock(T0), lambda kind, body: handled.append(body["i"]))
    gate = write_gate(engine)
    keys = [1, 2, 3, 4, 4, 5, 6, 7]
    got: dict[int, Put] = {}

    def click(n: int, i: int) -> None:
        got[n] = worker.put("slack.status", f"slack:{i}", {"i": i}, at_door=True)

    threads = [threading.Thread(target=click, args=(n, i)) for n, i in enumerate(keys)]
    held = gate.acquire()  # another writer has it: the clicks gather meanwhile
    try:
        assert held
        for t in threads:
            t.start()
        # every click gathered: in the group the door thread is writing, or the next one
        _wait(lambda: len(worker._door_rows) + sum(writes) == len(keys))
        assert got == {}  # none answered before it is stored
        gate.release()
        held = False
        for t in threads:
            t.join(10)
        _wait(lambda: worker.backlog() == 0)
    finally:
        if held:
            gate.release()
        worker.close()
    assert sorted(got[n].value for n in range(len(keys))) == sorted(
        ["stored"] * 7 + ["seen"]
    )
    assert sum(writes) == len(keys) and len(writes) <= 2  # not one write per click
    assert sorted(handled) == [1, 2, 3, 4, 5, 6, 7]
    assert _open_rows(engine) == []


def test_work_waits_while_a_request_is_still_at_a_gate_then_starts(engine):
    """A burst's work starts once no request is left at the gates (bot/foreground.py
    AT_THE_DOOR), not while one is still being acknowledged: held there, it waits (up to
    ACKS_FIRST_SECONDS); let go, it runs."""
    from bot.foreground import AT_THE_DOOR, Foreground
    from bot.platforms.inbox_worker import ACKS_FIRST_SECONDS

    ran = threading.Event()
    worker = _worker(engine, FixedClock(T0), lambda kind, body: ran.set(), workers=1,
                     batched={"slack.status"}, run_many=lambda kind, bodies: ran.set())  # fmt: skip
    try:
        with AT_THE_DOOR.busy():  # another click still being answered
            assert worker.put("slack.status", "slack:Click1", {"i": 1}, at_door=True) is Put.STORED
            assert not ran.wait(ACKS_FIRST_SECONDS / 2)
        assert ran.wait(5)
    finally:
        worker.close()
    assert _open_rows(engine) == []
    # And the wait itself: it returns once nothing is in flight, or at its deadline.
    door = Foreground()
    door.enter()
    started = time.monotonic()
    door.wait_none(started + 0.05)
    assert time.monotonic() - started >= 0.05 and door.in_flight == 1
    threading.Timer(0.05, door.leave).start()
    door.wait_none(time.monotonic() + 10)
    assert door.in_flight == 0


def test_a_failed_batch_is_run_again_one_by_one_and_nothing_is_lost(engine):
    busy, ran_alone = threading.Event(), []

    def run(kind, body):
        if body.get("hold"):
            busy.wait(30)
        ran_alone.append(body["i"])

    def run_many(kind, bodies):
        raise RuntimeError("batch bug")

    worker = _worker(engine, FixedClock(T0), run, workers=1, batched={"slack.status"},
                     run_many=run_many)  # fmt: skip
    try:
        worker.put("slack.message", "slack:Ev0", {"i": 0, "hold": True})
        for i in range(1, 4):
            worker.put("slack.status", f"slack:Click{i}", {"i": i})
        busy.set()
        _wait(lambda: worker.backlog() == 0)
        assert sorted(ran_alone) == [0]  # the batch failed: its rows are still open
        assert len(_open_rows(engine)) == 3
        worker.maintain_once()  # maintenance runs our unfinished rows again, each alone
        _wait(lambda: worker.backlog() == 0)
    finally:
        worker.close()
    assert sorted(ran_alone) == [0, 1, 2, 3]
    assert _open_rows(engine) == []


def test_done_rows_are_forgotten_after_a_day(engine):
    worker = _worker(engine, FixedClock(T0), lambda kind, body: None)
    try:
        worker.put("slack.message", "slack:Ev1", {})
    finally:
        worker.close()
    assert store.forget_done_before(engine, T0 - timedelta(hours=1)) == 0
    assert store.forget_done_before(engine, T0 + timedelta(days=1)) == 1


# -- through Slack's HTTP path ------------------------------------------------------------------
def test_full_backlog_refuses_each_kind_of_request_the_way_slack_can_show_it(
    sqlite_engine, monkeypatch
):
    """Two DMs whose replies Slack holds back fill a backlog of 2: a third DM gets 503 (Slack
    sends it again later), a command an ephemeral "busy", a click a "busy" through its
    response_url; none is stored. Slack's retry of the refused DM, once there is room, is
    stored and handled once."""
    monkeypatch.setenv("INBOX_MAX_BACKLOG", "2")
    load_small_plan(sqlite_engine)
    frozen = FakeClock()  # the DM channel's bucket refills only when the test says so
    with (
        SlackStandIn(clock=frozen, rate_limits={CHANNEL_KEY: (1, 1.0)}) as slack,
        SlackBotHarness(sqlite_engine, date(2019, 9, 16), standin=slack) as bot,
    ):
        slack.add_user(JULIE, email="julie@example.org", name="julie", real_name="Julie Fellows")
        snap = bot.service.snapshot()
        l2, c1 = (bot.service.find_action(snap, ref) for ref in ("L2", "C1"))
        dm = slack.dm_channel_id(JULIE)

        def dm_body(i):
            ev = message_im_event(
                f"L2 on track: note {i}", user=JULIE, channel=dm, ts=f"1764000000.{i:06d}"
            )
            return event_body(ev, event_id=f"EvFULL{i}")

        # The first reply takes the channel's one token; the next two wait on Slack.
        assert bot.post(dm_body(0), content_type=JSON)[0] == 200
        bot.wait_for(lambda: store.waiting(sqlite_engine) == 0, what="the first DM handled")
        for i in (1, 2):
            assert bot.post(dm_body(i), content_type=JSON)[0] == 200
        bot.wait_for(lambda: _stored(sqlite_engine) == 3, what="two updates, replies held")

        assert bot.post(dm_body(3), content_type=JSON)[0] == 503
        status, _, answer = bot.post(command_body(text="overdue", user_id=JULIE), content_type=FORM)
        assert status == 200 and BUSY_TEXT in answer.decode()
        url = slack.new_response_url()
        click = block_actions_body(
            actions=[
                button_action("status:on_track", json.dumps({"a": c1.id}), block_id=f"act:{c1.id}")
            ],  # fmt: skip
            user_id=JULIE,
            response_url=url,
        )
        assert bot.post(click, content_type=FORM)[0] == 200
        bot.wait_for(
            lambda: any(
                r.get("response_url") == url and BUSY_TEXT in json.dumps(r) for r in slack.responses
            ),
            what="the click told the bot is busy",
        )
        assert _stored(sqlite_engine) == 3
        assert store.waiting(sqlite_engine) == 2

        def drained():  # Slack lets the held replies through, a token a second
            frozen.advance(1)
            return store.waiting(sqlite_engine) == 0

        bot.wait_for(drained, timeout=30, what="drained")
        # Slack's retry of the refused event (same event id) is taken now, and once.
        assert bot.post(dm_body(3), content_type=JSON)[0] == 200
        assert bot.post(dm_body(3), content_type=JSON)[0] == 200
        bot.wait_for(lambda: _stored(sqlite_engine) == 4, what="the retried DM stored")
        bot.wait_for(drained, what="the retry handled")
    with read_session(sqlite_engine) as s:
        ups = s.exec(select(Update).where(Update.source != "import")).all()
    assert len({u.external_id for u in ups}) == len(ups) == 4
    assert {u.action_id for u in ups} == {l2.id}  # the refused click stored nothing


def _stored(engine) -> int:
    with read_session(engine) as s:
        return len(s.exec(select(Update.id).where(Update.source != "import")).all())


def _replies(slack: SlackStandIn, channel: str) -> int:
    return sum(1 for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == channel)


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


# -- the crash: SIGKILL with acknowledged work waiting, then a restart ------------------------------
@pytest.mark.parametrize("db", ["sqlite", "pg"])
def test_sigkill_with_acknowledged_work_waiting_loses_nothing(tmp_path, db, request):
    """Priya's DMs and clicks are all answered 200, then the bot is killed outright (no
    graceful stop) while most of them wait behind replies Slack holds to four a second. The
    restarted bot takes over what the dead one acknowledged: every update is stored, once."""
    url = ""
    if db == "pg":
        url = request.getfixturevalue("pg_engine").url.render_as_string(hide_password=False)
    with SlackStandIn(rate_limits={CHANNEL_KEY: (1, 4.0)}) as slack:
        add_sample_people(slack)
        env = {"INBOX_LEASE_SECONDS": "2"}
        if url:
            env["DATABASE_URL"] = url
        first = BotProcess(tmp_path, slack, **env).start()
        engine = make_engine(first.env["DATABASE_URL"])
        try:
            service = PlanService(engine, SystemClock())
            # The bot links Slack users to people in its start-up sync (users.list), in the
            # background: wait for it (a look-up used to queue behind the sync's write).
            _wait(lambda: service.actor_for_chat_user(PRIYA).person is not None, 30.0)
            actor = service.actor_for_chat_user(PRIYA)
            snap = service.snapshot()
            mine = [a for a in snap.actions if may_update(actor, a, snap)]
            assert len(mine) >= 4, "Priya should own several sample actions"
            before = _stored(engine)
            dm = slack.dm_channel_id(PRIYA)
            bodies = [
                (
                    event_body(
                        message_im_event(
                            f"{mine[i % len(mine)].label} on track: checked ({i})",
                            user=PRIYA,
                            channel=dm,
                            ts=f"1764000000.{i:06d}",
                        )  # fmt: skip
                    ),
                    JSON,
                )
                for i in range(DMS)
            ] + [
                (
                    block_actions_body(
                        actions=[
                            button_action(
                                "status:at_risk",
                                json.dumps({"a": mine[i % len(mine)].id}),
                                block_id="act",
                            )
                        ],  # fmt: skip
                        user_id=PRIYA,
                        response_url=slack.new_response_url(),
                    ),
                    FORM,
                )
                for i in range(CLICKS)
            ]
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(
                    pool.map(
                        lambda b: post_to_bot(
                            first.url, b[0], signed_headers(b[0], SECRET, content_type=b[1])
                        )[0],
                        bodies,
                    )
                )
            assert answers == [200] * len(bodies)
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(timeout=30)
            first._log.close()
            at_kill = _stored(engine) - before
            waiting = store.waiting(engine)
            # The point of the test: work was still waiting when the process died.
            assert waiting > 0 and at_kill < len(bodies), (at_kill, waiting)
            print(f"SIGKILL after {len(bodies)} answered 200: {at_kill} stored, {waiting} waiting")

            second = BotProcess(tmp_path / "again", slack, DATABASE_URL=first.env["DATABASE_URL"],
                                INBOX_LEASE_SECONDS="2")  # fmt: skip
            (tmp_path / "again").mkdir()
            with second:
                _wait(lambda: _stored(engine) - before >= len(bodies), timeout=90)
                _wait(lambda: store.waiting(engine) == 0, timeout=30)
                log = second.log()
            with read_session(engine) as s:
                new = s.exec(
                    select(Update).where(Update.source != "import").order_by(Update.id)
                ).all()[before:]
                payloads = s.exec(select(InboxItem.payload)).all()
        finally:
            engine.dispose()
            if first.proc.poll() is None:
                first.proc.kill()
    assert "took over" in log, log[-3000:]
    external = [u.external_id for u in new]
    assert len(external) == len(set(external)) == len(bodies)  # every one, none twice
    assert sum(u.source == "reply" for u in new) == DMS
    assert sum(u.source == "button" for u in new) == CLICKS
    assert set(payloads) == {""}  # handled: nobody's words left in the inbox


# -- Teams: the same for message activities -------------------------------------------------------
def test_teams_messages_are_stored_before_200_and_refused_past_the_bound(
    sqlite_engine, monkeypatch
):
    """A message is in the inbox when Teams hears 200; with the one-message backlog full (its
    reply held back by the Connector), the next gets 503 and its sender is told the bot is
    busy; a redelivery is not stored twice; sent again later, it is stored."""
    monkeypatch.setenv("INBOX_MAX_BACKLOG", "1")
    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        bot.bc.add_member("29:julie", email="julie@example.org", name="Julie Fellows")
        conv = personal_conversation("29:julie")
        assert bot.post(bot.install("29:julie"))[0] == 200
        bot.wait_for(lambda: bot.bc.sent_to(conv), what="the welcome")
        bot.bc.fail_next(429, times=1, retry_after=3)  # the first reply waits 3 s
        first = bot.message("29:julie", "L2 on track: published", activity_id="f:inbox-1")
        assert bot.post(first)[0] == 200
        assert store.waiting(sqlite_engine) == 1  # durable before the 200
        second = bot.message("29:julie", "L2 slipping to March", activity_id="f:inbox-2")
        assert bot.post(second)[0] == 503
        bot.wait_for(
            lambda: any("busy" in json.dumps(a) for a in bot.bc.sent_to(conv)),
            what="the sender told the bot is busy",
        )
        assert bot.post(first)[0] == 200  # Teams' redelivery: known, not stored again
        bot.wait_for(lambda: store.waiting(sqlite_engine) == 0, what="the first handled")
        assert bot.post(second)[0] == 200
        bot.wait_for(lambda: _stored(sqlite_engine) == 2, what="the second stored")
        bot.wait_for(lambda: store.waiting(sqlite_engine) == 0, what="the second handled")
    with read_session(sqlite_engine) as s:
        rows = s.exec(select(InboxItem)).all()
        statuses = [u.status for u in s.exec(select(Update).where(Update.source != "import"))]
    assert len(rows) == 2 and {r.payload for r in rows} == {""}
    assert all(r.platform == "teams" and "julie" not in r.delivery_key for r in rows)
    assert sorted(statuses) == ["Delayed", "On track"]
