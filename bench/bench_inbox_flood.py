"""Benchmark: a flood of signed DMs into the real `progressbot run`, a kill, a restart.

The issue this answers: 20,000 signed DMs in two minutes were all answered 200 while
14,500 waited in memory, and a kill lost the ones waiting. Here one owner floods the bot
with DMs whose replies Slack holds to one a second (its per-channel limit), so the work
backs up; the bot must stop answering 200 at its backlog bound (503: Slack would retry
those), then it is killed with SIGKILL, started again with Slack's limits lifted, and must
store every DM it answered 200, once.

    .venv/bin/python bench/bench_inbox_flood.py [--dms 5000] [--backlog 2000] [--pg]

Targets: no acknowledged DM lost or stored twice; nothing refused is stored; the refusals
start at the bound (acknowledged <= bound + those handled before the kill). Prints the
figures and `BENCH` lines (bench/result.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from bench.result import bench_line  # noqa: E402
from bot.core.clock import SystemClock  # noqa: E402
from bot.core.people import may_update  # noqa: E402
from bot.core.service import PlanService  # noqa: E402
from storage import inbox as store  # noqa: E402
from storage.engine import make_engine, read_session  # noqa: E402
from storage.models import Update  # noqa: E402
from tests.support.bot_process import BotProcess, add_sample_people  # noqa: E402
from tests.support.slack_api import SlackStandIn  # noqa: E402
from tests.support.slack_bot import SECRET  # noqa: E402
from tests.support.slack_signing import (  # noqa: E402
    JSON,
    event_body,
    message_im_event,
    post_to_bot,
    signed_headers,
)

PRIYA = "U0PRIYA"


def stored_ids(engine) -> list[str]:
    with read_session(engine) as s:
        return list(s.exec(select(Update.external_id).where(Update.source == "reply")))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dms", type=int, default=5000)
    ap.add_argument("--backlog", type=int, default=2000)
    ap.add_argument("--senders", type=int, default=16, help="concurrent HTTP senders")
    ap.add_argument("--pg", action="store_true", help="on PostgreSQL (default SQLite)")
    args = ap.parse_args()
    server = None
    env = {"INBOX_MAX_BACKLOG": str(args.backlog), "INBOX_LEASE_SECONDS": "3"}
    if args.pg:
        from tests.support.postgres import PostgresServer

        server = PostgresServer().start()
        env["DATABASE_URL"] = server.create_database("flood")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp, SlackStandIn() as slack:
            return run(Path(tmp), slack, env, args)
    finally:
        if server is not None:
            server.stop()


def run(tmp: Path, slack: SlackStandIn, env: dict, args) -> int:
    add_sample_people(slack)
    first = BotProcess(tmp, slack, **env).start()
    engine = make_engine(first.env["DATABASE_URL"])
    dm = slack.dm_channel_id(PRIYA)
    service = PlanService(engine, SystemClock())
    actor = service.actor_for_chat_user(PRIYA)
    snap = service.snapshot()
    refs = [a.label for a in snap.actions if may_update(actor, a, snap)]  # Priya may update

    def send(i: int) -> tuple[int, int, float]:
        ev = message_im_event(
            f"{refs[i % len(refs)]} on track: flood {i}", user=PRIYA, channel=dm,
            ts=f"1765000000.{i:06d}",
        )  # fmt: skip
        body = event_body(ev, event_id=f"EvFLOOD{i:06d}")
        started = time.perf_counter()
        status = post_to_bot(first.url, body, signed_headers(body, SECRET, content_type=JSON))[0]
        return i, status, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.senders) as pool:
        answers = list(pool.map(send, range(args.dms)))
    seconds = time.perf_counter() - started
    peak_mb = first.memory_mb("VmHWM")
    acked = {f"slack:msg:{dm}:1765000000.{i:06d}" for i, status, _ in answers if status == 200}
    refused = {f"slack:msg:{dm}:1765000000.{i:06d}" for i, status, _ in answers if status == 503}
    other = [status for _, status, _ in answers if status not in (200, 503)]
    slow = sorted(t for _, _, t in answers)[int(len(answers) * 0.99) - 1] * 1000
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=30)
    first._log.close()
    handled_before_kill = len(stored_ids(engine))
    waiting_at_kill = store.waiting(engine)
    print(
        f"flood: {args.dms} DMs in {seconds:.1f} s ({args.dms / seconds:.0f}/s): {len(acked)} "
        f"answered 200, {len(refused)} 503, {len(other)} other; answer p99 {slow:.0f} ms; "
        f"peak memory {peak_mb:.0f} MB; at SIGKILL {handled_before_kill} handled, "
        f"{waiting_at_kill} waiting",
        flush=True,
    )
    slack.enforce_rate_limits = False  # Slack's limits lifted: the restart drains quickly
    (tmp / "again").mkdir()
    started = time.perf_counter()
    with BotProcess(tmp / "again", slack, **{**env, "DATABASE_URL": first.env["DATABASE_URL"]}):
        deadline = time.monotonic() + 900
        while store.waiting(engine) and time.monotonic() < deadline:
            time.sleep(0.5)
        drained = time.perf_counter() - started
        ids = stored_ids(engine)
    engine.dispose()
    lost = acked - set(ids)
    doubled = len(ids) - len(set(ids))
    stored_refused = refused & set(ids)
    print(
        f"restart: drained in {drained:.1f} s; {len(set(ids))} stored; {len(lost)} acknowledged "
        f"lost, {doubled} stored twice, {len(stored_refused)} refused yet stored"
    )
    bound_ok = len(acked) <= args.backlog + handled_before_kill + args.senders
    checks = [
        ("inbox_flood_acked_lost", len(lost), "count", "=0", not lost),
        ("inbox_flood_stored_twice", doubled, "count", "=0", doubled == 0),
        ("inbox_flood_refused_stored", len(stored_refused), "count", "=0", not stored_refused),
        ("inbox_flood_not_200_or_503", len(other), "count", "=0", not other),
        ("inbox_flood_acked", len(acked), "count", f"<=bound+handled({args.backlog})", bound_ok),
        ("inbox_flood_peak_memory", round(peak_mb), "MB", "report", True),
    ]
    for name, value, unit, target, ok in checks:
        bench_line(name, value, unit, target, ok)
    ok = all(c[-1] for c in checks)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
