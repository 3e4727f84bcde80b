"""Shared fixtures: a migrated database on SQLite and on a real PostgreSQL server.

`./dev test` runs the suite in several processes (pytest-xdist). They share one PostgreSQL
server for the whole run: the first worker that needs it starts it and migrates the template
database, under a file lock in the run's shared temp folder; the others connect to it. Each
test gets its own database copied from the template, named per worker. The controller (the
process that started the workers) stops the server at the end. Without xdist the session
starts and stops its own server, as before.
"""

from __future__ import annotations

import fcntl
import gc
import itertools
import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.postgres import PostgresServer

_db_counter = itertools.count()
TEMPLATE = "template_progressbot"
_SHARED_INFO = "progressbot-pg.json"

# The longest test files (real processes, servers, restarts, the big reply sets), longest
# first. Without xdist they run first; under xdist (worksteal: each worker is first given a
# contiguous share of the list, and idle workers later take half of a busy one's queue) the
# files are dealt out so that each worker's share starts with some of them. Piled at the
# front of one share they ran one after another on one worker, and left at their usual
# places some came last and were the run's tail. Only the order changes; a file missing
# from this list runs in its usual place.
LONG_FIRST = (
    "tests/test_owners_by_hand.py",
    "tests/test_durable_inbox.py",
    "tests/test_owner_small_things.py",
    "tests/test_people_sync.py",
    "tests/test_replies_hand_written.py",
    "tests/test_reply_properties.py",
    "tests/test_teams_runner.py",
    "tests/test_teams_gate.py",
    "tests/test_cli.py",
    "tests/test_report_cli.py",
    "tests/test_several_plans.py",
    "tests/test_multi_instance.py",
    "tests/test_several_plans_kill.py",
    "tests/test_secrets_in_logs.py",
    "tests/test_plan_admin.py",
    "tests/test_slack_socket_mode.py",
    "tests/test_slack_graceful_stop.py",
    "tests/test_people_data.py",
    "tests/test_report_browser.py",
)


def _shares(total: int, workers: int) -> list[int]:
    """The sizes of the contiguous shares xdist's worksteal first gives each worker."""
    sizes, left = [], total
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    return sizes


def pytest_collection_modifyitems(config, items):
    def path(item) -> str:
        return item.nodeid.split("::")[0]

    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    long_files = [f for f in LONG_FIRST if any(path(i) == f for i in items)]
    if workers <= 1 or not long_files:
        items.sort(
            key=lambda i: LONG_FIRST.index(path(i)) if path(i) in LONG_FIRST else len(LONG_FIRST)
        )
        return
    # Whole files, dealt back and forth (1..n, n..1, ...) so the heaviest spread evenly; a
    # file stays together (its module fixtures are set up once).
    dealt: list[list] = [[] for _ in range(workers)]
    for k, f in enumerate(long_files):
        lap, pos = divmod(k, workers)
        dealt[pos if lap % 2 == 0 else workers - 1 - pos].append(f)
    by_file: dict[str, list] = {}
    rest = []
    for item in items:
        (by_file.setdefault(path(item), []) if path(item) in long_files else rest).append(item)
    ordered, r = [], 0
    for size, files in zip(_shares(len(items), workers), dealt, strict=True):
        head = [i for f in files for i in by_file[f]]
        take = max(0, size - len(head))
        ordered += head + rest[r : r + take]
        r += take
    ordered += rest[r:]
    assert len(ordered) == len(items)
    items[:] = ordered


def _worker() -> str:
    """gw0, gw1, ... under xdist; empty in a plain pytest run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


@contextmanager
def _locked(path: Path):
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _start_with_template() -> PostgresServer:
    server = PostgresServer().start()
    # Migrate once into a template; each test then copies it (much faster than migrating).
    engine = make_engine(server.create_database(TEMPLATE))
    upgrade(engine)
    engine.dispose()
    return server


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A running PostgreSQL server with the migrated template database ``template_progressbot``.
    Shared with the other workers of an xdist run: restart() is refused (use own_pg_server)."""
    worker = _worker()
    if not worker:
        server = _start_with_template()
        yield server
        server.stop()
        return
    shared = tmp_path_factory.getbasetemp().parent  # the controller's basetemp, one per run
    info = shared / _SHARED_INFO
    with _locked(shared / "progressbot-pg.lock"):
        if info.exists():
            server = PostgresServer.attach(json.loads(info.read_text()))
        else:
            server = _start_with_template()
            server.shared = True
            info.write_text(json.dumps(server.info()))
    server.tag = worker
    yield server
    # Stopped by the controller once every worker is done (pytest_sessionfinish below).


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the others may still be using the server
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    info = factory.getbasetemp() / _SHARED_INFO
    if info.exists():
        PostgresServer.attach(json.loads(info.read_text())).stop()
        info.unlink()


@pytest.fixture
def own_pg_server():
    """A PostgreSQL server for this test alone, for a test that restarts or stops it."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_server):
    name = f"t{next(_db_counter)}"
    engine = make_engine(pg_server.create_database(name, template=TEMPLATE))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "pg"])
def engine(request):
    """A freshly migrated database; storage tests run once on each backend."""
    yield request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(autouse=True)
def _heap_unfrozen():
    """A test that settles the heap (bot/heap.py, a big sweep) leaves nothing frozen for
    the next one, whose cycles a collection must find."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


@pytest.fixture(autouse=True)
def _foreground_cleared():
    """The process-wide counts of requests in flight (bot/foreground.py) start each test at
    nought: a test that stops a server or an inbox with a request still counted would
    otherwise leave every later test in its worker holding its sweeps, paced sends and
    answers back for the full hold."""
    yield
    from bot.foreground import AT_THE_DOOR, FOREGROUND

    for counts in (FOREGROUND, AT_THE_DOOR):
        with counts._cond:
            counts._in_flight = 0
            counts._free_until = 0.0
            counts._cond.notify_all()
