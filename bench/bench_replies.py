"""Benchmark: read 10,000 owner replies (the 100+ written forms of tests/test_replies_as_written.py,
each with a different reference and tail) and match their references on a 500-action plan.
A reply is read in the chat handler after Slack's ack, so the target is generous: < 2 ms
a reply (parse + reference matching).

.venv/bin/python bench/bench_replies.py
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from bot.core.refs import RefIndex, leading_refs  # noqa: E402
from bot.core.update_text import parse_update_text  # noqa: E402
from tests.test_replies_as_written import REPLIES  # noqa: E402

N = 10_000


def main() -> None:
    actions = [SimpleNamespace(id=i, ref=f"{'GLVO'[i % 4]}{i}.") for i in range(500)]
    texts = [
        f"{actions[i % 500].ref[:-1]} {REPLIES[i % len(REPLIES)][0]} (note {i})" for i in range(N)
    ]
    started = time.perf_counter()
    index = RefIndex(actions)
    found = 0
    for text in texts:
        hits = leading_refs(text, index.find_in(text))
        found += bool(hits)
        parse_update_text(text, today=date(2020, 1, 10), fy_start_year=2019)
    elapsed = time.perf_counter() - started
    per = elapsed / N * 1000
    print(f"{N} replies read and matched in {elapsed:.2f}s ({per:.3f} ms each; target < 2 ms)")
    print(f"references found in {found} of {N}")
    bench_line("reply_read_and_match", per, "ms", "<2", per < 2)
    bench_line("reply_references_missed", N - found, "count", "=0", found == N)
    if per >= 2 or found != N:
        raise SystemExit("slower than the target, or a reference not found")


if __name__ == "__main__":
    main()
