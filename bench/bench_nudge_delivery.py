"""Benchmark: deliver ~2,000 nudges through the Slack stand-in, which enforces Slack's rate
limits, and compare with the shortest time those limits allow.

    .venv/bin/python bench/bench_nudge_delivery.py [--owners 2100] [--actions 10000]

A synthetic plan (bench/synth.py) on a temporary SQLite file; every person already has a
stored DM channel (as a running bot does after its first contact: opening 2,000 DMs at Tier 3,
50 a minute, would take 40 minutes on its own). One real nudge sweep (jobs/sweep.py: claim,
send through the Slack notifier and the bot's own WebClient with its 429/Retry-After handling,
mark sent) then posts one message per person. The stand-in's chat.postMessage limits (a burst
of 30, then 5 a second across the workspace, ~1 a second per conversation) make the floor
``SlackStandIn.min_completion_seconds``; the target is within 1.2 times it, with every planned
nudge delivered once and no error other than 429s. With the default limits this runs for about
6–7 minutes. Prints the figures and the ratio; not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.service import PlanService  # noqa: E402
from bot.platforms.slack.client import make_client  # noqa: E402
from bot.platforms.slack.notifier import SlackNotifier  # noqa: E402
from bot.platforms.slack.people import SlackPeople  # noqa: E402
from jobs.sweep import run_sweep  # noqa: E402
from storage.chat import remember_conversation  # noqa: E402
from storage.claims import nudge_counts  # noqa: E402
from storage.engine import make_engine, write_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Owner  # noqa: E402
from tests.support.slack_api import SlackStandIn  # noqa: E402

TARGET_RATIO = 1.2
TODAY = date(2020, 6, 1)
NOW = datetime(2020, 6, 2, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in London


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--owners", type=int, default=2_100, help="~95%% of them get a nudge")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-delivery-")
    engine = make_engine(f"sqlite:///{tmp.name}/delivery.db")
    upgrade(engine)
    info = populate(
        engine, actions=args.actions, owners=args.owners, themes=12, updates_per_action=0,
        today=TODAY,
    )  # fmt: skip
    print(f"populate: {info.actions} actions, {info.owners} owners in {info.seconds:.1f} s")
    with write_session(engine) as s:
        for i, person in enumerate(s.exec(select(Owner).where(Owner.kind == "person"))):
            remember_conversation(s, "slack", person.id, f"D{i:08d}", now=NOW)

    service = PlanService(engine, FixedClock(NOW))
    planned = run_sweep(service, None, dry_run=True)
    n = len(planned.nudged)
    with SlackStandIn() as slack:
        client = make_client(slack.bot_token, slack.base_url)
        notifier = SlackNotifier(client, service, SlackPeople(service, client))
        started = time.perf_counter()
        report = run_sweep(service, notifier, instance_id="bench", escalate=False)
        elapsed = time.perf_counter() - started
        posts = [c for c in slack.calls_to("chat.postMessage") if c.ok]
        per_channel = Counter(c.params["channel"] for c in posts)
        floor = slack.min_completion_seconds(dict(per_channel))
        other_errors = [c for c in slack.errors if c.status != 429]
        limited = len(slack.rate_limited)
    counts = nudge_counts(engine)
    ratio = elapsed / floor if floor else float("inf")
    print(
        f"delivered {len(posts)} of {n} planned nudges in {elapsed:.1f} s; the limits allow "
        f"{floor:.1f} s at best: ratio {ratio:.3f} (target <= {TARGET_RATIO})"
    )
    print(
        f"429 answers (retried after Retry-After): {limited}; other errors: {len(other_errors)}; "
        f"failures reported: {len(report.failures)}; duplicates: "
        f"{sum(1 for v in per_channel.values() if v > 1)}; sent in the database: "
        f"{counts.get('sent', 0)}"
    )
    ok = (
        ratio <= TARGET_RATIO
        and len(posts) == n == counts.get("sent", 0)
        and max(per_channel.values(), default=0) == 1
        and not other_errors
    )
    print("PASS" if ok else "FAIL")
    bench_line("nudge_fanout_vs_rate_floor", ratio, "x", f"<={TARGET_RATIO}", ok)
    engine.dispose()
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
