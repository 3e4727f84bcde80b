"""Each action's LatestUpdate row (written with every update) and the digest's set reads that
use it agree with ranking the whole update log, whatever order updates arrive in, on SQLite
and PostgreSQL; the bulk path rebuilds the same rows; the plan id is on every update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.bulk import bulk_insert_updates, refresh_status_cache
from storage.digest_queries import latest_updates_between
from storage.engine import read_session, write_session
from storage.models import Action, LatestUpdate, Update
from storage.updates import NewUpdate, append_update
from tests.support.small_plan import load_small_plan

T0 = datetime(2019, 9, 1, 9, tzinfo=UTC)


def _actions(engine) -> list[Action]:
    with read_session(engine) as s:
        return list(s.exec(select(Action).order_by(Action.id)))


def _ranked(engine, since=None, until=None) -> dict[int, tuple[int, int]]:
    """The slow truth: (latest person update id, how many) per action in [since, until)."""
    with read_session(engine) as s:
        rows = list(s.exec(select(Update).where(Update.source != "import")))
    out: dict[int, tuple[int, int]] = {}
    best: dict[int, Update] = {}
    for u in rows:
        if (since and u.created_at < since) or (until and u.created_at >= until):
            continue
        b = best.get(u.action_id)
        if b is None or (u.created_at, u.id) > (b.created_at, b.id):
            best[u.action_id] = u
        out[u.action_id] = (0, out.get(u.action_id, (0, 0))[1] + 1)
    return {a: (best[a].id, n) for a, (_, n) in out.items()}


def _read(engine, since=None, until=None) -> dict[int, tuple[int, int]]:
    a = _actions(engine)[0]
    with read_session(engine) as s:
        latest, counts = latest_updates_between(s, a.plan_id, since, until)
    return {r.action_id: (r.id, counts[r.action_id]) for r in latest}


def test_latest_update_follows_appends_in_any_order(engine):
    load_small_plan(engine)
    acts = _actions(engine)
    # times out of order, an import in between, two at the same instant
    plan = [(0, 5), (0, 2), (1, 3), (0, 9), (1, 3), (2, 1), (0, 7)]
    with write_session(engine) as s:
        for i, (k, hours) in enumerate(plan):
            append_update(
                s,
                NewUpdate(acts[k].id, "On track", f"note {i}", "reply", author_name="A"),
                now=T0 + timedelta(hours=hours),
            )
        append_update(
            s, NewUpdate(acts[0].id, "Delayed", "imported", "import"), now=T0 + timedelta(days=2)
        )
    with read_session(engine) as s:
        held = {r.action_id: r for r in s.exec(select(LatestUpdate))}
        assert all(u.plan_id == acts[0].plan_id for u in s.exec(select(Update)))
    truth = _ranked(engine)
    assert {a: r.update_id for a, r in held.items()} == {a: uid for a, (uid, _) in truth.items()}
    assert held[acts[0].id].commentary == "note 3"  # 9 h, not the later import
    assert _read(engine) == truth
    # a window that ends before some actions' latest update: the slow path answers for them
    until = T0 + timedelta(hours=6)
    assert _read(engine, T0, until) == _ranked(engine, T0, until)


def test_bulk_load_rebuilds_latest_updates(engine):
    load_small_plan(engine)
    acts = _actions(engine)
    rows = [
        {"action_id": a.id, "author_name": "bulk", "status": "On track",
         "commentary": f"{a.id}/{k}", "source": "reply", "created_at": T0 + timedelta(days=k)}
        for a in acts[:3]
        for k in (3, 1, 2)
    ]  # fmt: skip
    with write_session(engine) as s:
        assert bulk_insert_updates(s, rows) == 9
        refresh_status_cache(s, acts[0].plan_id)
    with read_session(engine) as s:
        held = {r.action_id: r.commentary for r in s.exec(select(LatestUpdate))}
    assert held == {a.id: f"{a.id}/3" for a in acts[:3]}
    assert _read(engine) == _ranked(engine)
