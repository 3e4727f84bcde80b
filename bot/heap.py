"""Python's cyclic garbage collector kept from stalling people's requests.

A full collection walks every container object the process holds with the interpreter lock
held. In a bot with the Teams SDK loaded and a 10,000-action plan read by a sweep that is
about 285,000 objects, and each full collection took 100-270 ms during which no request was
read, acknowledged or stored: during a 2,000-nudge sweep they came every 5-15 s, and a burst
of clicks that met one waited it out (bench/bench_under_load.py, measured with gc.callbacks).

Most of those objects live long: what the bot built when it started, and what a sweep holds
for its whole run (the plan it read, the nudges it planned). ``settle()`` collects once, at a
moment chosen for it, and then freezes what is left (``gc.freeze``): later full collections
walk only what came after, and took 11-33 ms in the same run. A frozen object is still freed
the moment nothing refers to it; only a frozen object that later becomes part of an unreachable
cycle waits, and the next ``settle()`` (which unfreezes first) collects it.
"""

from __future__ import annotations

import gc
import threading
import time

_lock = threading.Lock()


def settle() -> float:
    """Collect everything now and leave what survives out of later collections; returns
    the seconds it took (about 0.2 s for the bot with a 10,000-action plan in memory)."""
    with _lock:
        start = time.perf_counter()
        gc.unfreeze()  # what an earlier settle froze is looked at again, garbage included
        gc.collect()
        gc.freeze()
        return time.perf_counter() - start
