"""Benchmark: read a 10,000-row CSV plan into neutral rows (target < 1.5 s).

.venv/bin/python bench/bench_plan_read.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from bot.io.plan_reader import read_plan  # noqa: E402

TARGET_S = 1.5


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        lines = ["Ref,Theme,Objective,Action,Deadline,Owner,Update on Progress"]
        lines += [
            f'A{i},Theme {i % 7},"Objective {i % 50}",Action number {i} for the plan,'
            f"Quarter {i % 4 + 1},Director of Corporate Affairs / CSU,"
            f'"<p>On track: step {i}</p> <p>More.</p>"'
            for i in range(10_000)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            table = read_plan(path)
            best = min(best, time.perf_counter() - started)
        assert len(table.rows) == 10_000
    ok = best < TARGET_S
    print(f"read a 10,000-row CSV plan: best of 3 {best:.3f} s (target < {TARGET_S} s)")
    bench_line("plan_read_10k_csv", best, "s", f"<{TARGET_S:g}", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
