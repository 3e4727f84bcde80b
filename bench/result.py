"""One machine-readable line per figure a benchmark checks, for `./dev bench`'s summary
(bench/run_all.py):

    BENCH <name> <value> <unit> <target> <ok|MISS>

e.g. ``BENCH digest_build_sqlite 0.142 s <0.2 ok``. Benchmarks still print their own
human-readable lines around it."""

from __future__ import annotations


def bench_line(name: str, value: float, unit: str, target: str, ok: bool) -> str:
    line = f"BENCH {name} {value:.4g} {unit} {target} {'ok' if ok else 'MISS'}"
    print(line, flush=True)
    return line
