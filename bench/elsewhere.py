"""Benchmark parts that run in a process of their own, so their work does not share the
bot's interpreter (its GIL) and is not counted against it.

In production Slack's Web API and Microsoft's Bot Connector are other machines, and nobody
polls the database every 2 ms: run in the bot's process, the stand-ins' HTTP servers and
block checks, and a watcher of the update table, took the core the bot's acknowledgements
needed (bench/bench_under_load.py).

* ``Elsewhere(factory, **kwargs)``: a stand-in built by ``factory`` (a "module:name" path)
  and started in a child process; its plain attributes (``base_url``, ``bot_token``,
  ``service_url``…) are copied here, and ``call(name, *args)`` runs one of its methods there,
  or ``apply("module:function", *args)`` a function of the stand-in there (for figures
  read from its records without sending them all back).
* ``StoredWatch(db_path)``: notes, in a child process, when each new update row first
  shows in the database (every 2 ms), by the machine's monotonic clock.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import time
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _serve(conn, factory: str, kwargs: dict) -> None:
    obj = _resolve(factory)(**kwargs)
    obj.start()
    plain = {k: v for k, v in vars(obj).items() if isinstance(v, _PLAIN)}
    for k in dir(type(obj)):
        if isinstance(getattr(type(obj), k, None), property) and not k.startswith("_"):
            v = getattr(obj, k)
            if isinstance(v, _PLAIN):
                plain[k] = v
    conn.send(plain)
    while True:
        job = conn.recv()
        if job is None:
            obj.stop()
            conn.send(None)
            return
        how, name, args = job
        try:
            fn = getattr(obj, name) if how == "call" else _resolve(name)
            got = fn(*args) if how == "call" else fn(obj, *args)
            conn.send(("ok", got))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent
            conn.send(("error", repr(exc)))


class Elsewhere:
    def __init__(self, factory: str, **kwargs: Any):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, factory, kwargs), daemon=True)
        self._proc.start()
        self.__dict__.update(self._conn.recv())
        self.members: dict = {}  # what the Teams harness reads of its stand-in's accounts

    def _ask(self, how: str, name: str, args: tuple) -> Any:
        self._conn.send((how, name, args))
        status, got = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"{name} in the stand-in's process: {got}")
        return got

    def call(self, method: str, *args: Any) -> Any:
        return self._ask("call", method, args)

    def __getattr__(self, name: str):
        """Any other method of the stand-in (``new_response_url()``…), run in its process."""
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.call(name, *args)

    def apply(self, function: str, *args: Any) -> Any:
        return self._ask("apply", function, args)

    # The harnesses start and stop a stand-in they were given only if they own it.
    def start(self) -> Elsewhere:
        return self

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send(None)
            self._conn.recv()
            self._proc.join(timeout=10)

    def __enter__(self) -> Elsewhere:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _watch(conn, db_path: str, last: int) -> None:
    from sqlalchemy import select

    from storage.engine import make_engine, read_session
    from storage.models import Update

    engine = make_engine(f"sqlite:///{db_path}")
    seen: dict[int, list[float]] = {}
    conn.send("ready")
    while not conn.poll():
        with read_session(engine) as s:
            rows = s.execute(select(Update.id, Update.action_id).where(Update.id > last)).all()
        now = time.monotonic()
        for row_id, action_id in rows:
            seen.setdefault(action_id, []).append(now)
            last = max(last, row_id)
        time.sleep(0.002)
    conn.recv()
    conn.send(seen)
    engine.dispose()


class StoredWatch:
    """When each new update row first showed in the database, watched from another process."""

    def __init__(self, db_path, last_update_id: int):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_watch, args=(child, str(db_path), last_update_id),
                                 daemon=True)  # fmt: skip
        self._proc.start()
        self._conn.recv()
        self.seen: dict[int, list[float]] = {}

    def stored_after(self, action_id: int, sent: float) -> float | None:
        return next((t for t in self.seen.get(action_id, []) if t >= sent), None)

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send("stop")
            self.seen = self._conn.recv()
            self._proc.join(timeout=10)
