"""The leadership digest: figures that match a count made directly in the database, changes
since the previous digest, posted once per channel and period even when a slot was missed or
two instances check at once, and the status chart."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bench.synth import populate
from bot.core.clock import FixedClock
from bot.core.digest import render_status_chart
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.digest_job import run_digest
from jobs.sweep import run_sweep
from storage.claims import digest_posts
from storage.engine import make_engine, read_session, write_session
from storage.people import assign_role, find_owner
from tests.support.quarter_plan import load_quarter_plan

SYNTH_NOW = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)  # Monday 10:00 in London


def _counts_from_database(engine, plan_id: int, since: datetime, until: datetime, today: date):
    """The digest's figures, counted with plain SQL (not through the code under test)."""
    q = {
        "status": """
            SELECT t.name, COALESCE(a.status, 'No update'), COUNT(*)
            FROM action a JOIN theme t ON t.id = a.theme_id
            WHERE a.plan_id = :p AND a.archived_at IS NULL
            GROUP BY t.name, COALESCE(a.status, 'No update')""",
        "overdue": """
            SELECT t.name, COUNT(*) FROM action a JOIN theme t ON t.id = a.theme_id
            WHERE a.plan_id = :p AND a.archived_at IS NULL AND a.due_date < :today
              AND (a.status IS NULL OR a.status <> 'Completed')
            GROUP BY t.name""",
        "due_next": """
            SELECT t.name, COUNT(*) FROM action a JOIN theme t ON t.id = a.theme_id
            WHERE a.plan_id = :p AND a.archived_at IS NULL
              AND a.due_date >= :today AND a.due_date <= :horizon
              AND (a.status IS NULL OR a.status <> 'Completed')
            GROUP BY t.name""",
        "updates": """
            SELECT t.name, COUNT(*), COUNT(DISTINCT u.action_id)
            FROM "update" u JOIN action a ON a.id = u.action_id JOIN theme t ON t.id = a.theme_id
            WHERE a.plan_id = :p AND u.source <> 'import'
              AND u.created_at >= :since AND u.created_at < :until
            GROUP BY t.name""",
    }
    args = {
        "p": plan_id,
        "today": today,
        "horizon": today + timedelta(days=14),
        "since": since,
        "until": until,
    }
    out = {}
    with engine.connect() as conn:
        for name, sql in q.items():
            out[name] = conn.execute(text(sql), args).all()
    return out


def _utc_param(engine, at: datetime):
    # SQLite stores UTC datetimes as naive text; PostgreSQL compares aware values.
    return at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at


def test_figures_match_the_database_for_500_actions(engine):
    info = populate(engine, actions=500, owners=100, themes=6, updates_per_action=3)
    service = PlanService(engine, FixedClock(SYNTH_NOW))
    notifier = ConsoleNotifier(quiet=True)
    report = run_digest(service, notifier, channels=["#leaders"])
    assert not report.failures and not report.skipped, report.skipped
    [post] = report.posted
    digest = post.digest
    today = date(2020, 6, 1)
    since = SYNTH_NOW - timedelta(days=7)
    db = _counts_from_database(
        engine, info.plan_id, _utc_param(engine, since), _utc_param(engine, SYNTH_NOW), today
    )

    got_status = {(td.theme.name, s): n for td in digest.themes for s, n in td.counts.items()}
    assert got_status == {(t, s): n for t, s, n in db["status"]}
    assert digest.total == 500
    assert {td.theme.name: len(td.overdue) for td in digest.themes if td.overdue} == dict(
        db["overdue"]
    )
    assert {td.theme.name: len(td.due_next) for td in digest.themes if td.due_next} == dict(
        db["due_next"]
    )
    assert {td.theme.name: td.new_updates for td in digest.themes if td.new_updates} == {
        t: n for t, n, _ in db["updates"]
    }
    assert {td.theme.name: len(td.changes) for td in digest.themes if td.changes} == {
        t: k for t, _, k in db["updates"]
    }
    # The delivered message is this digest, and its JSON form carries the same figures.
    [delivered] = notifier.of_kind("digest")
    assert delivered.reply.digest is digest
    data = digest.as_dict()
    assert sum(data["counts"].values()) == 500
    assert set(data["colours"].values()) <= {"blue", "green", "amber", "red", "grey"}
    # Every commentary shown is shortened.
    assert all(len(c.summary) <= 160 for td in digest.themes for c in td.changes)


def test_status_chart_is_a_png(engine):
    populate(engine, actions=60, owners=20, themes=4, updates_per_action=1)
    service = PlanService(engine, FixedClock(SYNTH_NOW))
    png = render_status_chart(service.leadership_digest())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


# -- the weekly slot ---------------------------------------------------------------------------
def _london(y, m, d, hh, mm=0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def quarter(engine):
    load_quarter_plan(engine, channels="#exec, #board")
    return PlanService(engine, FixedClock(_london(2019, 10, 21, 8)))


def test_a_missed_digest_is_posted_once_within_grace(quarter, engine):
    service, notifier = quarter, ConsoleNotifier(quiet=True)
    # Mon 21 Oct, 08:00: before the 09:00 slot; last week's slot is a week old.
    assert run_digest(service, notifier).posted == []
    # The bot was down at 09:00 and comes back at 13:00: posted, once per channel.
    service.clock.set(_london(2019, 10, 21, 13))
    assert [p.channel for p in run_digest(service, notifier).posted] == ["#exec", "#board"]
    service.clock.set(_london(2019, 10, 21, 13, 5))
    again = run_digest(service, notifier)
    assert again.posted == [] and len(again.skipped) == 2
    service.clock.set(_london(2019, 10, 22, 8))  # 23 hours late, already posted
    assert run_digest(service, notifier).posted == []
    # The next Monday the bot is down all day; on Tuesday at 10:00 it is 25 hours late.
    service.clock.set(_london(2019, 10, 29, 10))
    late = run_digest(service, notifier)
    assert late.posted == [] and "past the grace of 24 h" in late.skipped[0]
    posts = digest_posts(engine, service.snapshot().plan.id)
    assert sorted((p.channel, p.period_key, p.state) for p in posts) == [
        ("#board", "2019-W43", "sent"),
        ("#exec", "2019-W43", "sent"),
    ]
    assert len(notifier.of_kind("digest")) == 2


def test_changes_since_the_previous_digest(quarter):
    service, notifier = quarter, ConsoleNotifier(quiet=True)
    service.clock.set(_london(2019, 10, 21, 9, 30))
    run_digest(service, notifier, channels=["#exec"])
    # During the week: Carol slips A4, Bob completes A1, Alice comments on A3.
    service.clock.set(_london(2019, 10, 23, 11))
    carol = service.actor_for_name("Carol")
    service.record_update(
        carol,
        "A4",
        status="Delayed",
        source="reply",
        commentary="Waiting for the survey results, which the supplier has delayed " * 4,
        revised_text="30/11/2019",
        revised_due=date(2019, 11, 30),
    )
    service.record_update(service.actor_for_name("Bob"), "A1", status="Completed", source="reply")
    service.record_update(
        service.actor_for_name("Alice"), "A3", status="On track", source="reply", commentary="ok"
    )
    service.clock.set(_london(2019, 10, 28, 9, 15))
    [post] = run_digest(service, notifier, channels=["#exec"]).posted
    d = post.digest
    assert d.since == _london(2019, 10, 21, 9, 30)  # when the previous digest went out
    changes = {(c.action.label, c.kind) for td in d.themes for c in td.changes}
    assert changes == {("A4", "update"), ("A4", "slipped"), ("A1", "completed"), ("A3", "update")}
    [slip] = [c for td in d.themes for c in td.slipped]
    assert (slip.old_due, slip.new_due) == (date(2019, 9, 15), date(2019, 11, 30))
    [a4] = [c for td in d.themes for c in td.changes if c.kind == "update" and c.action.ref == "A4"]
    assert a4.summary.endswith("…") and len(a4.summary) == 160
    assert d.new_updates == 3


def test_the_digest_names_who_was_nudged_and_has_not_replied(quarter, engine):
    """"Not replied" is worked out from the nudges actually sent: each person nudged about
    an action still open, with no reply since, while they are still answerable for the plan
    (owning a live action, or holding a role now)."""
    service, notifier = quarter, ConsoleNotifier(quiet=True)
    with write_session(engine) as s:
        assign_role(s, "Chief Finance Officer", find_owner(s, "Dave"), now=_london(2019, 7, 2, 9))
    for day in (date(2019, 8, 15), date(2019, 8, 27), date(2019, 9, 16), date(2019, 10, 21)):
        service.clock.set(_london(day.year, day.month, day.day, 10))
        run_sweep(service, notifier, instance_id="t", escalate=False)
    sent = {(d.target, o.action.label) for d in notifier.of_kind("nudge") for o in d.reply.items}
    by_person = {name for name, _ in sent}
    assert {"Alice", "Bob", "Carol", "Dave"} <= by_person  # Dave as Chief Finance Officer

    # Bob answers one of his; Carol completes one of hers; Dave hands the CFO role to Larry.
    service.clock.set(_london(2019, 10, 22, 10))
    bob_answered = sorted(label for name, label in sent if name == "Bob")[0]
    carol_done = sorted(label for name, label in sent if name == "Carol")[0]
    service.record_update(service.actor_for_name("Bob"), bob_answered, status="On track",
                          source="reply", commentary="on it")  # fmt: skip
    service.record_update(service.actor_for_name("Carol"), carol_done, status="Completed",
                          source="reply")  # fmt: skip
    with write_session(engine) as s:
        assign_role(s, "Chief Finance Officer", find_owner(s, "Larry"), now=service.clock.now())

    order = {a.label: a.position for a in service.snapshot().actions}
    expected: dict[str, list[str]] = {}
    for name, label in sorted(sent, key=lambda nl: (nl[0], order[nl[1]])):
        if (name, label) in {("Bob", bob_answered), ("Carol", carol_done)} or name == "Dave":
            continue
        expected.setdefault(name, []).append(label)
    digest = service.leadership_digest(since=_london(2019, 10, 15, 9))
    got = {row["owner"]: row["actions"] for row in digest.as_dict()["not_replied"]}
    assert got == expected and "Larry" not in got  # Larry was never nudged
    # Theme digests name only their own theme's actions.
    [culture] = [t for t in service.snapshot().themes.values() if t.name == "Culture"]
    themed = service.leadership_digest(
        since=_london(2019, 10, 15, 9), theme_ids=frozenset({culture.id})
    )
    culture_labels = {a.label for a in service.snapshot().actions if a.theme_id == culture.id}
    assert {
        row["owner"]: row["actions"] for row in themed.as_dict()["not_replied"]
    } == {
        name: [x for x in labels if x in culture_labels]
        for name, labels in expected.items()
        if any(x in culture_labels for x in labels)
    }


def test_never_twice_with_two_instances(quarter, engine):
    url = engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(2)
    notifiers = [ConsoleNotifier(quiet=True), ConsoleNotifier(quiet=True)]

    def check(i):
        own = make_engine(url)
        try:
            svc = PlanService(own, FixedClock(_london(2019, 10, 21, 9, 1)))
            barrier.wait()
            run_digest(svc, notifiers[i], instance_id=f"i{i}")
        finally:
            own.dispose()

    threads = [threading.Thread(target=check, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    posted = sorted(d.target for n in notifiers for d in n.of_kind("digest"))
    assert posted == ["#board", "#exec"]


def test_one_digest_per_theme_when_the_plan_asks(engine):
    load_quarter_plan(engine, channels="#exec", policy_json='{"digest_scope": "theme"}')
    service = PlanService(engine, FixedClock(_london(2019, 10, 21, 9, 30)))
    notifier = ConsoleNotifier(quiet=True)
    report = run_digest(service, notifier)
    assert sorted(p.digest.title for p in report.posted) == ["Culture", "Leadership"]
    assert {p.digest.total for p in report.posted} == {2, 5}
    assert all(p.period_key.startswith("2019-W43/theme:") for p in report.posted)
    assert run_digest(service, notifier).posted == []


class Killed(BaseException):
    pass


class DiesAfterPosting(ConsoleNotifier):
    """Posts, then the process dies before the sweep records it (once)."""

    died = False

    def post_digest(self, channel, digest, claim_id):
        delivered = super().post_digest(channel, digest, claim_id)
        if not self.died:
            self.died = True
            raise Killed
        return delivered


def test_a_crash_after_posting_is_not_posted_again(quarter, engine):
    service = quarter
    service.clock.set(_london(2019, 10, 21, 9, 30))
    notifier = DiesAfterPosting(quiet=True)
    with pytest.raises(Killed):
        run_digest(service, notifier, channels=["#exec"])
    service.clock.set(_london(2019, 10, 21, 9, 40))  # past the 5-minute lease
    report = run_digest(service, notifier)
    assert len(notifier.of_kind("digest")) == 2  # the one before the crash, and #board
    with read_session(engine) as s:
        states = s.execute(text("SELECT channel, state FROM digestpost ORDER BY channel")).all()
    assert [tuple(r) for r in states] == [("#board", "sent"), ("#exec", "sent")]
    assert any("delivered before a crash" in line for line in report.skipped)
