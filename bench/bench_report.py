"""Benchmark: the board report for 5,000 actions with 50,000 updates, in every format, on
SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_report.py [--actions 5000] [--updates-per-action 10]
                                           [--only sqlite|pg]

Populates a synthetic plan (bench/synth.py; updates every 3 days back from 1 Jun 2020) plus a
deadline revision for one action in ten, then times `progressbot report`'s work for each
format: reading the plan as at a date (actions, latest update and status by then, revisions,
role holders) and rendering the file (XLSX, DOCX, HTML, CSV; the chart is drawn for each).
As at 1 Jun 2020 (the plan's own table), and as at 20 May 2020 with changes since 1 May and
every extra (status, owner, changes, attribution, slips). Target: each under 3 s on
each backend. The first (cold) run per backend is printed too; the target is checked on the
best of two warm runs, as a running bot has its imports loaded. Prints wall seconds, this
process's CPU seconds (less sensitive to a busy shared machine; it leaves out PostgreSQL's
own work) and the load average, and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.backends import on_each_backend  # noqa: E402
from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.core.report import EXTRAS, report_from_store  # noqa: E402
from bot.io.report_layout import FORMATS  # noqa: E402
from bot.io.report_writers import render  # noqa: E402
from storage.engine import make_engine, write_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Action, DeadlineRevision  # noqa: E402

TARGET_S = 3.0
TODAY = date(2020, 6, 1)


def add_revisions(engine, plan_id: int, share: float = 0.1) -> int:
    """A revised deadline (a month later) for ``share`` of the actions, as owners' updates."""
    rnd = random.Random(7)
    with write_session(engine) as s:
        rows = s.execute(
            select(Action.id, Action.due_date)
            .where(Action.plan_id == plan_id, Action.due_date.is_not(None))
            .order_by(Action.id)  # the same actions on every backend
        ).all()
        picked = [r for r in rows if rnd.random() < share]
        s.execute(
            insert(DeadlineRevision),
            [
                {
                    "action_id": aid,
                    "text": (due + timedelta(days=30)).isoformat(),
                    "due_date": due + timedelta(days=30),
                    "source": "update",
                    "recorded_at": datetime(2020, 5, 10, 9, tzinfo=UTC),
                }
                for aid, due in picked
            ],
        )
    return len(picked)


def one(engine, plan_id: int, fmt: str, as_at: date, since: date | None):
    c0, t0 = time.process_time(), time.perf_counter()
    # The plain paper as at a date; with changes since a date, every extra (the heaviest).
    extras = frozenset(EXTRAS) if since else frozenset()
    report = report_from_store(engine, plan_id, as_at=as_at, since=since, extras=extras)
    t1 = time.perf_counter()
    data = render(report, fmt)
    t2, c2 = time.perf_counter(), time.process_time()
    return t2 - t0, t1 - t0, t2 - t1, len(data), report, c2 - c0


def load_note() -> str:
    """The machine's load: on a shared machine wall time says as much about the neighbours
    as about the code, so the figures print it beside them."""
    import os

    one_min, five_min, _ = os.getloadavg()
    return f"load average {one_min:.1f} / {five_min:.1f} on {os.cpu_count()} CPUs"


def run_backend(name: str, url: str, args) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    info = populate(
        engine,
        actions=args.actions,
        owners=max(10, args.actions // 5),
        themes=10,
        updates_per_action=args.updates_per_action,
        today=TODAY,
    )
    revised = add_revisions(engine, info.plan_id)
    print(
        f"[{name}] populate: {info.actions:,} actions, {info.updates:,} updates, "
        f"{revised} revised deadlines in {info.seconds:.1f} s"
    )
    ok = True
    cold = one(engine, info.plan_id, "xlsx", TODAY, None)
    print(f"[{name}] cold first report (xlsx, imports and chart fonts loading): {cold[0]:.3f} s")
    for as_at, since in ((TODAY, None), (date(2020, 5, 20), date(2020, 5, 1))):
        label = f"as at {as_at}" + (f", changes since {since}" if since else "")
        for fmt in FORMATS:
            runs = [one(engine, info.plan_id, fmt, as_at, since) for _ in range(2)]
            total, read_s, render_s, size, report, cpu = min(runs, key=lambda r: r[0])
            passed = total < TARGET_S
            ok &= passed
            since_tag = "_changes" if since else ""
            bench_line(f"report_{fmt}{since_tag}_{name}", total, "s", f"<{TARGET_S:g}", passed)
            extra = ""
            if since:
                extra = f", {sum(1 for r in report.rows if r.changes):,} changed"
            print(
                f"[{name}] {fmt:4} {label}: {total:.3f} s (read {read_s:.3f} s, render "
                f"{render_s:.3f} s; this process's CPU {cpu:.3f} s) {size / 1e6:.1f} MB; "
                f"{report.total:,} actions, "
                f"{report.overdue:,} overdue, {report.slipped:,} slipped{extra} "
                f"{'PASS' if passed else 'FAIL'}"
            )
    print(
        f"[{name}] {'PASS' if ok else 'FAIL'} (target: each format < {TARGET_S:.0f} s); "
        f"{load_note()}"
    )
    engine.dispose()
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=5_000)
    ap.add_argument("--updates-per-action", type=int, default=10)
    ap.add_argument("--only", choices=["sqlite", "pg"], default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        return on_each_backend(
            lambda name, url: run_backend(name, url, args),
            only=args.only,
            sqlite_url=f"sqlite:///{Path(tmp) / 'report.db'}",
        )


if __name__ == "__main__":
    sys.exit(main())
