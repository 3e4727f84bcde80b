"""Runs every benchmark in bench/ (bench_*.py), each in its own process and each to the end
even when an earlier one misses its target or fails, then prints one summary table of the
`BENCH …` lines they printed (bench/result.py). Exits non-zero if any figure missed its target
or any benchmark failed to run.

    python bench/run_all.py [NAME_FILTER ...]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    benches = sorted(HERE.glob("bench_*.py"))
    if argv:
        benches = [b for b in benches if any(f in b.name for f in argv)]
    rows: list[tuple[str, str, str, str, str, str]] = []
    broken: list[str] = []
    for bench in benches:
        print(f"== {bench.relative_to(HERE.parent)}", flush=True)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(bench)],
            cwd=HERE.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = 0
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            parts = line.split()
            if len(parts) == 6 and parts[0] == "BENCH":
                rows.append((bench.stem, *parts[1:]))
                found += 1
        code = proc.wait()
        took = time.monotonic() - started
        if code != 0 and not any(r[0] == bench.stem and r[5] == "MISS" for r in rows):
            broken.append(f"{bench.name} exited {code} after {took:.0f} s")
        elif found == 0:
            broken.append(f"{bench.name} printed no BENCH line")
    print()
    header = ("benchmark", "figure", "value", "unit", "target", "result")
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    for b in broken:
        print(f"FAILED: {b}")
    missed = [r for r in rows if r[5] != "ok"]
    print(
        f"\n{len(rows)} figures, {len(missed)} missed, {len(broken)} benchmark(s) failed: "
        f"{'PASS' if not missed and not broken else 'FAIL'}"
    )
    return 1 if missed or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
