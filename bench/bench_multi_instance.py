"""Benchmark: two `progressbot run` processes (HTTP mode) on one PostgreSQL at full size: a
sweep of 1,000 owners with PostgreSQL restarted part-way, then a burst of 500 concurrent
button clicks and DMs spread across both (100 of them delivered to both, as Slack
re-delivers), and the weekly digest due in both.

    .venv/bin/python bench/bench_multi_instance.py [--owners 1000] [--actions 3000]
                                                   [--requests 500] [--duplicates 100]

The same run as tests/test_multi_instance.py (tests/support/multi_instance.py), bigger.
Targets: every nudge once, every update once, the digest once, every request answered 200
within Slack's 3 s (timed by the sender, so waiting in the server's queue counts).
Prints the figures and `BENCH` lines (bench/result.py); not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from tests.support.multi_instance import run_two_instances  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--owners", type=int, default=1000)
    ap.add_argument("--actions", type=int, default=3000)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--duplicates", type=int, default=100)
    args = ap.parse_args()
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-multi-") as tmp:
            r = run_two_instances(
                Path(tmp), server, owners=args.owners, actions=args.actions,
                requests=args.requests, duplicates=args.duplicates,
            )  # fmt: skip
    finally:
        server.stop()
    print(
        f"sweep: {r.nudges_expected} nudges planned, {r.nudge_messages} delivered, "
        f"{r.nudges_sent_in_db} marked sent, {len(r.nudge_recipients_twice)} people nudged twice; "
        f"PostgreSQL restarted after {r.nudges_before_restart} (down {r.restart_seconds:.1f} s); "
        f"sweep done in {r.sweep_seconds:.1f} s"
    )
    print(
        f"burst: {r.requests} requests + {r.duplicates} re-deliveries in {r.burst_seconds:.1f} s, "
        f"answer p50 {r.ack_ms_p50:.0f} ms max {r.ack_ms_max:.0f} ms, "
        f"{r.answers_over_3s} after 3 s, {len(r.bad_statuses)} not 200 "
        f"({_statuses(r.bad_statuses)}); {r.updates_stored} updates stored, "
        f"{len(r.updates_doubled)} doubled; digest posted {r.digest_posts} time(s); "
        f"other Slack refusals {len(r.slack_refusals)}"
    )
    checks = [
        ("multi_nudges_lost_or_doubled",
         abs(r.nudges_expected - r.nudge_messages) + len(r.nudge_recipients_twice),
         r.restarted_mid_sweep and r.nudge_messages == r.nudges_expected == r.nudges_sent_in_db
         and not r.nudge_recipients_twice),
        ("multi_updates_lost_or_doubled",
         abs(r.requests - r.updates_stored) + len(r.updates_doubled),
         r.updates_stored == r.requests and not r.updates_doubled),
        ("multi_requests_not_200", len(r.bad_statuses), not r.bad_statuses),
        ("multi_requests_over_3s", r.answers_over_3s, not r.answers_over_3s),
        ("multi_digest_posts", r.digest_posts, r.digest_posts == 1),
    ]  # fmt: skip
    ok = True
    for name, value, good in checks:
        target = "=1" if name == "multi_digest_posts" else "=0"
        bench_line(name, value, "count", target, good)
        ok &= good
    bench_line("multi_burst_answer_max", r.ack_ms_max, "ms", "<3000", r.ack_ms_max < 3000)
    ok &= r.ack_ms_max < 3000
    if not ok:
        print(r.describe())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _statuses(codes: list[int]) -> str:
    """``404 x50, 500 x1`` or ``none``."""
    counts: dict[int, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    return ", ".join(f"{c} x{n}" for c, n in sorted(counts.items())) or "none"


if __name__ == "__main__":
    sys.exit(main())
