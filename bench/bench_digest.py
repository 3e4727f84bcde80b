"""Benchmark: build the leadership digest for 10,000 actions with 1,000,000 updates, on SQLite
and on PostgreSQL, and draw its status chart.

    .venv/bin/python bench/bench_digest.py [--actions 10000] [--updates-per-action 100]
                                           [--only sqlite|pg] [--keep DIR] [--pg-url URL]

Populates a synthetic plan (bench/synth.py: updates every 3 days back from 1 Jun 2020, so a
week holds about two per action) on each backend, printing how long that took, then times
building the digest as the digest job does (with the collector paused until the digest is
dropped, jobs/digest_job.py, whose own code it calls): the plan as a digest reads it, the
period's latest update per action with counts, revisions, who was nudged and is silent, and
the content itself; for comparison it also times the whole plan's snapshot (what the nudge
sweep reads). PostgreSQL runs in a throw-away server (tests/support/postgres.py) unless
``--pg-url`` names a database to populate once and reuse. Targets: the digest under 0.2 s on each backend (best of five
builds after one warm-up, as a running bot has warm caches), the chart under 0.3 s (best of
three after one warm-up). Prints the figures and a `BENCH` line each (bench/result.py); not a
timed test. ``--keep DIR`` keeps the SQLite file there and reuses it on the next run
(populating 1M rows takes minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.backends import on_each_backend  # noqa: E402
from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.digest import render_status_chart  # noqa: E402
from bot.core.service import PlanService  # noqa: E402
from jobs import digest_job  # noqa: E402
from jobs.common import JobContext  # noqa: E402
from storage.engine import make_engine, read_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.queries import list_plans  # noqa: E402
from storage.rows import gc_paused  # noqa: E402

TARGET_S = 0.2
CHART_TARGET_S = 0.3
TODAY = date(2020, 6, 1)
NOW = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)


def build(engine) -> object:
    """The digest of the week to NOW, built by the digest job's own code: its context (the
    plan's row and policy), the plan read as a digest reads it, and the period's reads, the
    two beside each other on PostgreSQL (storage/read_ahead.py)."""
    ctx = JobContext.load(PlanService(engine, FixedClock(NOW)), lazy=True)
    ctx.digest_plan  # noqa: B018 - started as the job starts it
    return digest_job.build(ctx, NOW - timedelta(days=7), None)


def build_once(engine) -> float:
    """Seconds for one digest as jobs/digest_job.py makes it: with the collector paused,
    the plan read and the digest built, then dropped as the job drops it after posting, the
    clock stopping only once the collector has resumed (so what it then has to sweep is
    counted too)."""
    t0 = time.perf_counter()
    with gc_paused():
        digest = build(engine)
        del digest
    return time.perf_counter() - t0


def snapshot_once(engine) -> float:
    """Seconds to read the plan's whole snapshot, as the nudge sweep does: a figure to
    compare (the digest reads only what it shows)."""
    service = PlanService(engine, FixedClock(NOW))
    t0 = time.perf_counter()
    with gc_paused():
        snap = service.snapshot()
        del snap
    return time.perf_counter() - t0


def run_backend(name: str, url: str, args) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    with read_session(engine) as s:
        have = bool(list_plans(s))
    if have:
        print(f"[{name}] reusing the populated database")
    else:
        info = populate(
            engine,
            actions=args.actions,
            owners=args.actions // 5,
            themes=12,
            updates_per_action=args.updates_per_action,
            today=TODAY,
        )
        print(
            f"[{name}] populate: {info.actions} actions, {info.updates:,} updates "
            f"in {info.seconds:.1f} s"
        )
    build_once(engine)  # warm caches (plan, holidays, statement cache) as a running bot has
    total = min(build_once(engine) for _ in range(5))
    snap_s = min(snapshot_once(engine) for _ in range(3))
    digest = build(engine)  # one more, kept, for the figures and the chart
    render_status_chart(digest)  # warm: the font and the PNG encoder load once per process
    chart_s = 9e9
    for _ in range(3):
        t = time.perf_counter()
        png = render_status_chart(digest)
        chart_s = min(chart_s, time.perf_counter() - t)
    changed = sum(len(td.changes) for td in digest.themes)
    print(
        f"[{name}] digest: {total:.3f} s (the whole plan's snapshot alone: {snap_s:.3f} s): "
        f"{digest.total} actions, {digest.new_updates:,} new updates, "
        f"{changed} changed actions, {sum(len(td.overdue) for td in digest.themes)} overdue"
    )
    print(f"[{name}] chart: {len(png):,} bytes PNG in {chart_s:.3f} s")
    ok = total < TARGET_S
    chart_ok = chart_s < CHART_TARGET_S
    print(f"[{name}] {'PASS' if ok else 'FAIL'}: {total:.3f} s (target < {TARGET_S:g} s)")
    bench_line(f"digest_build_{name}", total, "s", f"<{TARGET_S:g}", ok)
    bench_line(f"digest_chart_{name}", chart_s, "s", f"<{CHART_TARGET_S:g}", chart_ok)
    ok = ok and chart_ok
    engine.dispose()
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--updates-per-action", type=int, default=100)
    ap.add_argument("--only", choices=["sqlite", "pg"], default=None)
    ap.add_argument("--keep", type=Path, default=None, help="keep/reuse the SQLite file here")
    ap.add_argument("--pg-url", default=None, help="populate once and reuse this PostgreSQL db")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"digest-{args.actions}-{args.updates_per_action}.db"
        return on_each_backend(
            lambda name, url: run_backend(name, url, args),
            only=args.only,
            sqlite_url=f"sqlite:///{db}",
            pg_url=args.pg_url,
        )


if __name__ == "__main__":
    sys.exit(main())
