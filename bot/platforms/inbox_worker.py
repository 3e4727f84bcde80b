"""Handling chat requests from the durable inbox (storage/inbox.py), for Slack and Teams.

``put`` is called in the acknowledgement path: it stores the request (one short INSERT on
the small connection pool that answers chat platforms, storage/engine.py side_engine, so it
never waits behind the work holding the main pool's connections) and queues its id for a bounded pool of worker threads, which take the
row, run the handler on the stored payload and mark it done. Only then may the platform be
told the request was received.

The backlog is bounded: past ``max_backlog`` requests held by this process, ``put``
answers BUSY and stores nothing, and the adapter refuses the request in the platform's way
(Slack retries an event it was not answered 2xx; a command or click gets "I'm busy, try
again in a minute") instead of queueing without end.

``start_maintenance`` runs a thread that renews this process's leases, takes over rows
whose lease ran out (an instance that crashed or was killed: on start-up too, so a restarted
instance finishes what the old one acknowledged), retries its own rows whose run failed,
and forgets rows handled over a day ago.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from enum import Enum

from sqlalchemy.engine import Engine

from bot.core.clock import Clock
from bot.foreground import AT_THE_DOOR, FOREGROUND, handling
from storage import inbox as store
from storage.engine import db_unavailable, is_locked, nowait_engine, side_engine, urgent

# See bot/platforms/slack/ack.py: more workers take the GIL from the acknowledgements.
WORKERS = 4
# Requests held per process before new ones are refused. At the 20-50 a second a process
# handles, 2,000 is one to two minutes of work: later than that, an answer is no use.
MAX_BACKLOG = 2000
LEASE_SECONDS = 60.0
# A request whose handler failed this many times is given up (logged), not retried forever.
MAX_ATTEMPTS = 3
ACK_GRACE_SECONDS = 0.008
# The same for a request its gate answers itself the moment it is stored (Slack's door,
# Teams' route): its answer is written as soon as the gate returns, and the work also waits
# for no request to be left at the gates (bot/foreground.py AT_THE_DOOR). 6 ms, not 2: under
# a sweep a burst's clicks reach the server with gaps of a few milliseconds, and work started
# in such a gap split the burst, its second batch reading the plan and storing again behind
# the first (bench_under_load, Teams, three pairs: click to stored p95 85, 83, 143 ms against
# 128, 414, 202 with 2 ms).
DOOR_GRACE_SECONDS = 0.006
# Work waits while acknowledgements are still being written (a put in the last
# ACK_GRACE_SECONDS), but never longer than this: 50 owners clicking at once were answered
# in 0.27 s (p50) when the first clicks' work started among the later clicks' acks.
ACKS_FIRST_SECONDS = 0.25
FORGET_AFTER = timedelta(days=1)
FORGET_EVERY_SECONDS = 600.0
BACKLOG_WARNING = 100
# Rows of a batched kind taken together at most: a burst of 50 clicks is one batch.
MAX_BATCH = 64

log = logging.getLogger(__name__)


class Put(Enum):
    STORED = "stored"  # durable and queued: acknowledge it
    SEEN = "seen"  # a re-delivery of a stored request: acknowledge, do nothing
    BUSY = "busy"  # backlog full (or the database unreachable), nothing stored: refuse it


class InboxWorker:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        platform: str,
        run: Callable[[str, dict], object],
        *,
        run_many: Callable[[str, list[dict]], object] | None = None,
        batched: Collection[str] = frozenset(),
        instance_id: str,
        workers: int = WORKERS,
        max_backlog: int = MAX_BACKLOG,
        lease_seconds: float = LEASE_SECONDS,
    ):
        self.engine = engine
        self.door = side_engine(engine)
        self.nowait = nowait_engine(engine)
        self.clock = clock
        self.platform = platform
        self.run = run
        # Kinds whose queued rows are taken together and handed to ``run_many`` at once (a
        # burst of status clicks: the plan around the actions is read once for all of
        # them, and the rows taken and finished in one transaction each).
        self.run_many = run_many
        self.batched = batched if run_many is not None else frozenset()
        self.instance_id = instance_id
        self.max_backlog = max_backlog
        self.lease = timedelta(seconds=lease_seconds)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{platform}-work")
        # put_soon's one thread, and the requests gathered for its next write.
        self._door_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{platform}-door")
        self._door_rows: list = []
        self._door_writing = False
        self._lock = threading.Lock()
        self._held: set[int] = set()  # queued or running here: the backlog
        self._queued: dict[int, str] = {}  # of those, not yet taken by a worker: their kind
        # Batched kinds with a worker task already on its way to take them: a burst's later
        # rows ride with it instead of each waking a worker thread of its own (50 wake-ups,
        # each taking the GIL among the acknowledgements, to find the rows already taken).
        self._coming: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Monotonic: when the last request stored will have been answered (its put plus
        # its grace); the work waits for it.
        self._quiet_after = 0.0

    # -- the acknowledgement path ---------------------------------------------------------
    def put(self, kind: str, key: str, payload: dict, *, raw: str | None = None,
            at_door: bool = False) -> Put:  # fmt: skip
        """Store a request before it is acknowledged, and queue it. ``raw``: the payload as
        the JSON it came in (saves dumping ``payload`` again). ``at_door``: a gate answers it
        the moment this returns (DOOR_GRACE_SECONDS), rather than bolt's ack."""
        if self.nowait is not None:
            got = self._put(self.nowait, kind, key, payload, raw, at_door=at_door)
            if got is None:
                # Another writer holds SQLite's write gate: join the next group write rather
                # than queue behind the others one row each.
                got = self.put_soon(kind, key, payload, raw=raw).result()
            return got
        got = self._put(self.door, kind, key, payload, raw, at_door=at_door)
        return Put.BUSY if got is None else got

    def put_now(
        self, kind: str, key: str, payload: dict, *, raw: str | None = None, later=None
    ) -> Put | None:
        """``put`` for an event loop's thread: never waits for the database. None when it
        would have to (SQLite's write lock is held by another writer, or the database is
        PostgreSQL, whose round trip must not block the loop): then call ``put`` on a
        thread. On SQLite this saves the hop to a thread and back, the larger part of the
        acknowledgement's cost above the bare SDK's (bench/bench_teams.py). ``later``
        (the loop's ``call_later``) hands the row to a worker thread once the answer is out,
        so no worker wakes to take the GIL while the loop is answering."""
        if self.nowait is None:
            return None
        return self._put(self.nowait, kind, key, payload, raw, later, at_door=True)

    def put_soon(self, kind: str, key: str, payload: dict, *, raw: str | None = None) -> Future:
        """``put`` for an event loop whose ``put_now`` found the database busy (or which
        serves PostgreSQL): the request joins the next group write on this worker's door
        thread, and the future returned gives its Put. The gate answers it at once when it
        is done (DOOR_GRACE_SECONDS). Each on a thread of its own, as before, the requests
        of a burst queued at SQLite's write gate behind each other's one-row transactions,
        and while one held it every next request on the loop found it held too: under a
        sweep, 45 of a burst's 50 clicks took that detour (probe on bench_under_load)."""
        done: Future = Future()
        row = (kind, key, raw if raw is not None else json.dumps(payload, separators=(",", ":")))
        self._quiet_after = max(self._quiet_after, time.monotonic() + DOOR_GRACE_SECONDS)
        with self._lock:
            self._door_rows.append((row, done))
            start, self._door_writing = not self._door_writing, True
        if start:
            try:
                self._door_pool.submit(self._write_door_rows)
            except RuntimeError:  # shutting down: nothing stored, so refused
                with self._lock:
                    rows, self._door_rows, self._door_writing = self._door_rows, [], False
                for _row, fut in rows:
                    fut.set_result(Put.BUSY)
        return done

    def _write_door_rows(self) -> None:
        """The door thread: writes whatever requests have gathered, in one transaction, until
        none are left."""
        while True:
            with self._lock:
                rows, self._door_rows = self._door_rows, []
                if not rows:
                    self._door_writing = False
                    return
            try:
                got = self._put_rows([row for row, _fut in rows])
            except BaseException:  # noqa: BLE001 - never leave a request unanswered
                got = [Put.BUSY] * len(rows)
                log.exception("%s: could not store %d requests; refusing them", self.platform,
                              len(rows))  # fmt: skip
            for (_row, fut), one in zip(rows, got, strict=True):
                fut.set_result(one)

    def _put_rows(self, rows: list[tuple[str, str, str]]) -> list[Put]:
        out = [Put.BUSY] * len(rows)
        room = self.max_backlog - self.backlog()
        if room <= 0:
            log.warning("%s: %d requests waiting; refusing more for now", self.platform,
                        self.backlog())  # fmt: skip
            return out
        now = self.clock.now()
        try:
            # Stops at the bound as single puts would (a re-delivery takes no place).
            ids = store.put_rows(
                self.door,
                [store.inbox_row(self.platform, kind, key, payload, self.instance_id, now,
                                 self.lease) for kind, key, payload in rows],
                limit=room,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - not stored, so none may be acknowledged
            log.warning("%s: could not store %d requests (%s); refusing them", self.platform,
                        len(rows), type(exc).__name__)  # fmt: skip
            return out
        if len(ids) < len(rows):
            log.warning("%s: %d requests waiting; refusing more for now", self.platform,
                        self.backlog() + len(ids))  # fmt: skip
        self._quiet_after = max(self._quiet_after, time.monotonic() + DOOR_GRACE_SECONDS)
        for i, ((kind, _key, _payload), item_id) in enumerate(zip(rows, ids)):  # noqa: B905
            if item_id is None:
                out[i] = Put.SEEN
            else:
                self._queue(item_id, time.monotonic() + ACK_GRACE_SECONDS, kind)
                out[i] = Put.STORED
        return out

    def _put(self, engine: Engine, kind: str, key: str, payload: dict, raw: str | None,
             later=None, *, at_door: bool = False):  # fmt: skip
        grace = DOOR_GRACE_SECONDS if at_door else ACK_GRACE_SECONDS
        self._quiet_after = max(self._quiet_after, time.monotonic() + grace)
        if self.backlog() >= self.max_backlog:
            log.warning("%s: %d requests waiting; refusing more for now", self.platform,
                        self.backlog())  # fmt: skip
            return Put.BUSY
        try:
            item_id = store.put(
                engine,
                platform=self.platform,
                kind=kind,
                key=key,
                payload=raw if raw is not None else json.dumps(payload, separators=(",", ":")),
                instance_id=self.instance_id,
                now=self.clock.now(),
                lease=self.lease,
                wait=engine is not self.nowait,
            )
        except Exception as exc:  # noqa: BLE001 - not stored, so it must not be acknowledged
            if engine is self.nowait and is_locked(exc):
                return None  # another writer has the lock: the caller waits for it on a thread
            log.warning("%s: could not store a request (%s); refusing it", self.platform,
                        type(exc).__name__)  # fmt: skip
            return Put.BUSY
        if item_id is None:
            return Put.SEEN
        # The work waits ACK_GRACE_SECONDS from the first request either way: a burst's first
        # requests trickle in, and work started among them splits it (_acks_first then waits
        # for the rest, and only the end of a burst is cut to DOOR_GRACE_SECONDS).
        if later is None:
            self._queue(item_id, time.monotonic() + ACK_GRACE_SECONDS, kind)
        elif self._hold(item_id) and self._enqueue(item_id, kind):
            # Queued now, so that the task taking a burst finds it; only the task's start
            # waits (a row queued when its grace ran out missed a task that had just taken
            # the others, and went alone: a Teams burst ran as up to six batches).
            later(ACK_GRACE_SECONDS, self._start_task, item_id, 0.0, kind)
        return Put.STORED

    def backlog(self) -> int:
        with self._lock:
            return len(self._held)

    def _queue(self, item_id: int, start: float, kind: str = "") -> bool:
        return self._hold(item_id) and self._submit(item_id, start, kind)

    def _hold(self, item_id: int) -> bool:
        """Count a row in the backlog: False when it is queued or running here already."""
        with self._lock:
            if item_id in self._held:
                return False
            self._held.add(item_id)
            waiting = len(self._held)
        FOREGROUND.enter()  # someone is waiting on it: the sweep holds back (bot/foreground.py)
        if waiting % BACKLOG_WARNING == 0:
            log.warning("%s: %d requests acknowledged and waiting to be handled",
                        self.platform, waiting)  # fmt: skip
        return True

    def _submit(self, item_id: int, start: float, kind: str = "") -> bool:
        """Queue a held row (``kind``, when known, lets it be taken with others of its kind)."""
        return self._start_task(item_id, start, kind) if self._enqueue(item_id, kind) else True

    def _enqueue(self, item_id: int, kind: str) -> bool:
        """Mark a held row queued, where the task taking its kind finds it; True when it needs
        a task started (no task for its kind is on its way)."""
        with self._lock:
            self._queued[item_id] = kind
            if kind in self.batched:
                if kind in self._coming:
                    return False  # the task on its way takes this row with the others
                self._coming.add(kind)
        return True

    def _start_task(self, item_id: int, start: float, kind: str = "") -> bool:
        try:
            self._pool.submit(self._run, item_id, start)
        except RuntimeError:  # shutting down: the rows stay ours, the next instance takes them
            with self._lock:
                stranded = [item_id]
                if kind in self.batched:  # and the rows that were to ride with this task
                    self._coming.discard(kind)
                    stranded = [i for i, k in self._queued.items() if k == kind]
            for other in stranded:
                self._release(other)
            return False
        return True

    # -- the work --------------------------------------------------------------------------
    def _run(self, item_id: int, start: float) -> None:
        batch: list[int] = []
        counted = [True]  # the batch still counts in FOREGROUND (bot/foreground.py stored())

        def let_go() -> None:
            if counted[0]:
                counted[0] = False
                for _ in batch:
                    FOREGROUND.leave()

        try:
            # After ack() the response still has to leave (bolt polls for it every 10 ms);
            # work started at once would hold the GIL. Work queued behind a burst waits not.
            pause = start - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._acks_first()
            batch = self._take(item_id)
            with urgent(), handling(let_go):  # someone waits: first at SQLite's write gate
                if batch:
                    self._handle_many(batch)
        finally:
            for taken in batch:
                self._release(taken, counted=counted[0])

    def _take(self, item_id: int) -> list[int]:
        """This row and, for a batched kind, every other row of that kind queued and not yet
        taken (their own turns then find them gone): [] when another worker took this one.
        Other kinds run one to a worker, side by side as before (a reply waiting on Slack's
        rate limit must not hold the next person's)."""
        with self._lock:
            kind = self._queued.pop(item_id, None)
            if kind is None:
                return []
            if kind not in self.batched:
                return [item_id]
            self._coming.discard(kind)
            same = sorted(i for i, k in self._queued.items() if k == kind)
            others, left = same[: MAX_BATCH - 1], same[MAX_BATCH - 1 :]
            for other in others:
                del self._queued[other]
        if left:  # more than one batch: the rest go with a task of their own
            self._submit(left[0], 0.0, kind)
        return [item_id, *others]

    def _release(self, item_id: int, *, counted: bool = True) -> None:
        with self._lock:
            self._held.discard(item_id)
            self._queued.pop(item_id, None)
        if counted:
            FOREGROUND.leave()

    def _acks_first(self) -> None:
        """Wait while requests are still arriving and being acknowledged (a burst of
        clicks): while any is at a gate, and until the last one stored has been answered;
        up to ACKS_FIRST_SECONDS. The acknowledgements have a deadline, the work after them
        has a person watching but no timeout."""
        until = time.monotonic() + ACKS_FIRST_SECONDS
        while True:
            AT_THE_DOOR.wait_none(until)
            now = time.monotonic()
            if now >= until:
                return
            wait = self._quiet_after - now
            if wait <= 0:
                if AT_THE_DOOR.in_flight == 0:
                    return
                continue  # another request came to a gate meanwhile
            time.sleep(min(wait, until - now))

    def _handle_many(self, item_ids: list[int]) -> None:
        """One row or several: taken in one transaction, the batched kinds run together (one
        call of ``run_many`` per kind), the rest (and a row on its own) one by one with
        ``run``, and those handled finished in one transaction. A row that fails is left
        for maintenance to run again (a failed ``run_many``: all its rows, then one by one;
        the handlers are idempotent)."""
        now = self.clock.now()
        try:
            got = store.start_many(
                self.engine, item_ids, instance_id=self.instance_id, now=now, lease=self.lease
            )
        except Exception as exc:  # noqa: BLE001 - the rows stay ours; maintenance retries them
            log.warning("%s: could not take %d requests (%s); will retry", self.platform,
                        len(item_ids), type(exc).__name__)  # fmt: skip
            return
        done: list[int] = []
        groups: dict[str, list[tuple[int, dict]]] = {}
        for item_id, row in got.items():
            if row.attempts > MAX_ATTEMPTS:
                log.error("%s: request %d (%s) failed %d times; given up", self.platform,
                          item_id, row.kind, row.attempts - 1)  # fmt: skip
                done.append(item_id)
                continue
            # A row that failed before runs alone: one bad request must not sink a batch.
            alone = len(item_ids) == 1 or row.kind not in self.batched or row.attempts > 1
            key = f"\0{item_id}" if alone else row.kind
            groups.setdefault(key, []).append((item_id, json.loads(row.payload)))
        for key, rows in groups.items():
            kind = got[rows[0][0]].kind
            try:
                if key.startswith("\0"):
                    self.run(kind, rows[0][1])
                else:
                    self.run_many(kind, [payload for _id, payload in rows])
            except Exception as exc:
                self._failed(exc, [i for i, _p in rows], kind)
                continue
            done.extend(i for i, _p in rows)
        try:
            store.finish_many(self.engine, done, now=self.clock.now())
        except Exception as exc:  # noqa: BLE001 - run again later; the handlers are idempotent
            log.warning("%s: could not mark %d requests done (%s)", self.platform, len(done),
                        type(exc).__name__)  # fmt: skip

    def _failed(self, exc: Exception, item_ids: list[int], kind: str) -> None:
        if db_unavailable(exc):
            log.warning("%s: database unavailable handling requests %s; will retry",
                        self.platform, item_ids)  # fmt: skip
        else:
            log.error("%s: handling requests %s (%s) failed", self.platform, item_ids, kind,
                      exc_info=exc)  # fmt: skip

    # -- maintenance -----------------------------------------------------------------------
    def start_maintenance(self) -> None:
        """Renew leases, take over and retry, every third of a lease; the first pass now."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._maintain, name=f"{self.platform}-inbox", daemon=True
            )
            self._thread.start()

    def maintain_once(self) -> int:
        """One pass; returns how many rows it queued."""
        now = self.clock.now()
        store.renew(self.engine, instance_id=self.instance_id, now=now, lease=self.lease)
        queued = 0
        with self._lock:
            running = set(self._held)
        # Our own rows not queued here: their run failed (database down) and is retried.
        for item_id in store.held(self.engine, instance_id=self.instance_id):
            if item_id not in running and self.backlog() < self.max_backlog:
                queued += self._queue(item_id, 0.0)
        taken = store.take_over(
            self.engine,
            instance_id=self.instance_id,
            now=now,
            lease=self.lease,
            limit=self.max_backlog - self.backlog(),
        )
        if taken:
            log.info("%s: took over %d acknowledged requests left unhandled", self.platform,
                     len(taken))  # fmt: skip
        for item_id in taken:
            queued += self._queue(item_id, 0.0)
        return queued

    def _maintain(self) -> None:
        every = max(0.2, self.lease.total_seconds() / 3)
        last_forget = 0.0
        while not self._stop.is_set():
            try:
                self.maintain_once()
                if time.monotonic() - last_forget > FORGET_EVERY_SECONDS:
                    store.forget_done_before(self.engine, self.clock.now() - FORGET_AFTER)
                    last_forget = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - next pass tries again
                log.warning("%s: inbox maintenance failed (%s)", self.platform,
                            type(exc).__name__)  # fmt: skip
            self._stop.wait(every)

    def close(self, *, wait: bool = True) -> None:
        """Stop maintenance and (with ``wait``) finish the queued work."""
        self._stop.set()
        self._door_pool.shutdown(wait=wait)
        self._pool.shutdown(wait=wait)
        if self.door is not self.engine:
            self.door.dispose()
        if self.nowait is not None:
            self.nowait.dispose()
