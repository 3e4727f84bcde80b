"""Benchmark: erasing one person (`progressbot people erase`) on a plan with a long history.

    .venv/bin/python bench/bench_erase.py [--actions 10000] [--updates-per-action 100]
                                          [--only sqlite|pg] [--pg-url URL]

Populates a synthetic plan (bench/synth.py; 10,000 actions and 1,000,000 updates by default)
on SQLite and on PostgreSQL, then erases three people one after the other and times each
erase (storage/people_data.py erase_person, in one transaction). Erasure searches every free
text that can quote a person (storage/traces.py), so its time grows with the update log; it
is a rare administrative command, and the target is that it stays well inside what an
administrator waits for and what a chat request waits for a write lock: under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from bench.backends import on_each_backend  # noqa: E402
from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from storage.engine import make_engine, read_session, write_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Owner  # noqa: E402
from storage.people_data import erase_person  # noqa: E402

TARGET_S = 10.0
ERASES = 3


def run_backend(name: str, url: str, args) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    info = populate(
        engine,
        actions=args.actions,
        owners=max(args.actions // 5, 10),
        updates_per_action=args.updates_per_action,
    )
    print(f"{name}: {info.actions} actions, {info.updates} updates in {info.seconds:.1f} s")
    times = []
    for _ in range(ERASES):
        with read_session(engine) as s:
            victim = s.exec(
                select(Owner.id)
                .where(Owner.kind == "person", Owner.erased_at.is_(None), Owner.email.is_not(None))
                .order_by(Owner.id)
            ).first()
        started = time.perf_counter()
        with write_session(engine) as s:
            erase_person(s, s.get(Owner, victim), now=datetime.now(UTC))
        times.append(time.perf_counter() - started)
    engine.dispose()
    worst = max(times)
    print(f"{name}: erase {', '.join(f'{t:.2f}' for t in times)} s")
    ok = worst < TARGET_S
    bench_line(f"erase_{name}", worst, "s", f"<{TARGET_S:g}", ok)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--updates-per-action", type=int, default=100)
    ap.add_argument("--only", choices=("sqlite", "pg"), default=None)
    ap.add_argument("--pg-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-erase-") as tmp:
        return on_each_backend(
            lambda name, url: run_backend(name, url, args),
            only=args.only,
            sqlite_url=f"sqlite:///{tmp}/erase.db",
            pg_database="bench_erase",
            pg_url=args.pg_url,
        )


if __name__ == "__main__":
    sys.exit(main())
