"""Benchmark: parse 10,000 realistic plan deadlines on a cold cache (target < 1 s).

.venv/bin/python bench/bench_deadlines.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from bot.core import deadlines  # noqa: E402

MONTHS = (
    "January February March April May June July August September October November December".split()
)
JUNK = ["see note", "TBC", "as required", "tbc", "to be agreed", "n/a", "following review", "asap"]


def make_deadline_strings(n: int, seed: int = 0) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        y, m, m2 = rnd.randint(2015, 2026), rnd.choice(MONTHS), rnd.choice(MONTHS)
        form = rnd.random()
        if form < 0.05:
            out.append(rnd.choice(JUNK))
        elif form < 0.15:
            out.append(f"Quarter {rnd.randint(1, 4)}")
        elif form < 0.22:
            out.append(f"Q{rnd.randint(1, 4)} {y}/{(y + 1) % 100:02d}")
        elif form < 0.40:
            out.append(f"{rnd.choice(['By ', 'By end ', 'Complete by ', ''])}{m} {y}")
        elif form < 0.50:
            out.append(f"{m}/{m2} {y}" if MONTHS.index(m) < MONTHS.index(m2) else f"{m2} – {m} {y}")
        elif form < 0.58:
            out.append(rnd.choice(["Ongoing", "On-going", f"{m} {y} onwards"]))
        elif form < 0.75:
            out.append(
                f"By {m} {y} Revised{rnd.choice([':', ' –', ''])} {rnd.randint(1, 28)} {m2} {y + 1}"
            )
        elif form < 0.90:
            out.append(f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{y}")
        else:
            out.append(f"{rnd.randint(1, 28)}{rnd.choice(['st', ' st', 'th', ''])} {m} {y}")
    return out


def main() -> None:
    strings = make_deadline_strings(10_000)
    deadlines._parse.cache_clear()
    fallbacks = 0
    started = time.perf_counter()
    for s in strings:
        deadlines.parse_deadline(s, fy_start_year=2019)
    elapsed = time.perf_counter() - started
    # How many needed dateparser (neither recognised nor rejected by the plan grammar).
    for s in set(strings):
        d = deadlines.parse_deadline(s, fy_start_year=2019)
        fallbacks += d.kind == "unknown"
    print(
        f"deadlines: {len(strings)} strings ({len(set(strings))} distinct) in {elapsed:.3f} s "
        f"= {elapsed / len(strings) * 1e6:.0f} µs each; unreadable: {fallbacks}"
    )
    print(f"target < 1.0 s: {'PASS' if elapsed < 1.0 else 'FAIL'}")
    bench_line("deadline_parsing", elapsed, "s", "<1", elapsed < 1.0)


if __name__ == "__main__":
    main()
