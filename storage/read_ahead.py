"""Reads started before they are needed, so the database's time overlaps this process's.

A digest of a big plan waits on two large reads, the plan itself and the period's changes;
done one after the other, the database's time for each is added to Python's. On a database
server (PostgreSQL), ``ReadAhead`` starts a read at once on a worker thread with its own
connection: the driver releases the GIL while it waits for the server, so the calling
thread goes on working meanwhile. On SQLite the "database's time" is this process's own
CPU, so a second thread only takes turns with the first for the GIL: there the read is
done, on the calling thread, when its result is first asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # A few reads at a time at most (a digest starts two); more would only queue
            # for the connection pool.
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="read-ahead")
        return _pool


def overlaps(engine: Engine) -> bool:
    """Whether reads on ``engine`` gain from running beside this thread (a server does)."""
    return engine.dialect.name != "sqlite"


class ReadAhead(Generic[T]):
    """``read()``'s result: started now on a worker when ``engine`` is a server, else done
    when ``result()`` is first called. ``read`` opens its own session (sessions belong to
    one thread). An error in it is raised by ``result()``."""

    def __init__(self, engine: Engine, read: Callable[[], T]) -> None:
        self._read: Callable[[], T] | None = read
        self._future: Future[T] | None = None
        self._lock = threading.Lock()
        if overlaps(engine):
            self._future = _workers().submit(read)
            self._read = None

    @classmethod
    def later(cls, read: Callable[[], T]) -> ReadAhead[T]:
        """A read made only if and when its result is asked for."""
        ahead = cls.__new__(cls)
        ahead._read, ahead._future, ahead._lock = read, None, threading.Lock()
        return ahead

    @classmethod
    def done(cls, value: T) -> ReadAhead[T]:
        """A read already made."""
        ahead = cls.__new__(cls)
        ahead._read, ahead._lock = None, threading.Lock()
        ahead._future = Future()
        ahead._future.set_result(value)
        return ahead

    def result(self) -> T:
        with self._lock:
            if self._future is None:
                read, self._read = self._read, None
                self._future = Future()
                try:
                    self._future.set_result(read())
                except BaseException as exc:
                    self._future.set_exception(exc)
        return self._future.result()
