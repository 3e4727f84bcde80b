"""Benchmark: a status button click at 10,000 actions, from the click reaching the bot to the
update stored, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_click.py [--actions 10000] [--clicks 60] [--only sqlite|pg]

Times what the Slack listener does after acknowledging a click (bot/platforms/slack/listeners.py
on_status_button): who the clicking user is (PlanService.actor_for_chat_user), then
handle_status, which checks they may update that one action (PlanService.action_snapshot
reads it, not the whole plan) and appends the update with its cached status and LatestUpdate
row in one transaction. Each click is a different owner's action. Target: p95 under 50 ms.
Prints the figures and a `BENCH` line each (bench/result.py); not a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.backends import on_each_backend  # noqa: E402
from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.service import PlanService  # noqa: E402
from handlers.replies import UpdateStored  # noqa: E402
from handlers.update import handle_status  # noqa: E402
from storage.engine import make_engine, read_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import ActionOwner, Owner  # noqa: E402

TARGET_MS = 50.0
TODAY = date(2020, 6, 1)


def run_backend(name: str, url: str, args) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    info = populate(
        engine, actions=args.actions, owners=args.actions // 5, themes=12,
        updates_per_action=args.updates_per_action, today=TODAY,
    )  # fmt: skip
    print(f"[{name}] populate: {info.actions} actions, {info.updates:,} updates "
          f"in {info.seconds:.1f} s")  # fmt: skip
    with read_session(engine) as s:
        # (chat user id, action id) for actions owned directly by a person with a chat id
        pairs = s.execute(
            select(Owner.chat_user_id, ActionOwner.action_id)
            .join(ActionOwner, ActionOwner.owner_id == Owner.id)
            .where(Owner.kind == "person", Owner.chat_user_id.is_not(None))
            .order_by(ActionOwner.action_id)
        ).all()
    step = max(1, len(pairs) // (args.clicks + 1))
    picks = pairs[::step][: args.clicks + 1]
    service = PlanService(engine, FixedClock(datetime(2020, 6, 1, 9, tzinfo=UTC)))
    times = []
    for i, (user_id, action_id) in enumerate(picks):
        t = time.perf_counter()
        actor = service.actor_for_chat_user(user_id)
        reply = handle_status(
            service, actor, action_id, "On track", source="button",
            external_id=f"bench:click:{i}:{user_id}:{action_id}",
        )  # fmt: skip
        took = (time.perf_counter() - t) * 1000
        if not isinstance(reply, UpdateStored) or not reply.created:
            raise SystemExit(f"[{name}] click {i} was not stored: {reply!r}")
        if i:  # the first warms the statement cache, as a running bot has
            times.append(took)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    ok = p95 < TARGET_MS
    print(f"[{name}] click to stored update, {len(times)} clicks: p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms: {'PASS' if ok else 'FAIL'} "
          f"(target p95 < {TARGET_MS:g} ms)")  # fmt: skip
    bench_line(f"click_to_stored_p95_{name}", p95, "ms", f"<{TARGET_MS:g}", ok)
    engine.dispose()
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--updates-per-action", type=int, default=5)
    ap.add_argument("--clicks", type=int, default=60)
    ap.add_argument("--only", choices=["sqlite", "pg"], default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-click-") as tmp:
        return on_each_backend(
            lambda name, url: run_backend(name, url, args),
            only=args.only,
            sqlite_url=f"sqlite:///{tmp}/click.db",
            pg_database="click",
        )


if __name__ == "__main__":
    sys.exit(main())
