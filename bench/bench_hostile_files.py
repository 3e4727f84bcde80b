"""Benchmark: importing files built to exhaust the machine, and the heaviest plans we accept.

    .venv/bin/python bench/bench_hostile_files.py

Builds each file of tests/support/hostile_files.py (a 1 GB Word document, a 1.5 GB sheet, a
100,000-row sheet, one shared text repeated in every cell, 'billion laughs', a 19 MB line of
commas, …) plus a 19,998-action sheet and a 19,000-row Word table, imports each in a fresh
interpreter and prints: size on disk, outcome, seconds, peak resident memory. Target: every
import peaks under MEMORY_BOUND_MB (bot/io/limits.py). Prints PASS/FAIL; not a timed test.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from bot.io.limits import MEMORY_BOUND_MB  # noqa: E402
from tests.support import hostile_files as hf  # noqa: E402


def main() -> int:
    files = dict(hf.HOSTILE)
    files["plan_19998_rows.xlsx"] = lambda p: hf.xlsx_rows(p, rows=19_998)
    worst = 0.0
    print(f"{'file':26} {'on disk':>9} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in files.items():
            path = build(Path(tmp) / name)
            size = path.stat().st_size / 1024**2
            r = hf.import_in_child(path)
            path.unlink()
            worst = max(worst, r["peak_mb"])
            what = f"loaded {r['rows']:,} rows" if r["ok"] else r["error"][:90]
            print(f"{name:26} {size:7.1f}MB {r['seconds']:8.2f} {r['peak_mb']:8.1f}  {what}")
    ok = worst < MEMORY_BOUND_MB
    print(f"worst peak {worst:.1f} MB, bound {MEMORY_BOUND_MB} MB: {'PASS' if ok else 'FAIL'}")
    bench_line("hostile_files_worst_peak", worst, "MB", f"<{MEMORY_BOUND_MB}", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
