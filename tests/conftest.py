"""Shared fixtures: a migrated database on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools

import pytest

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.postgres import PostgresServer

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    server = PostgresServer().start()
    # Migrate once into a template; each test then copies it (much faster than migrating).
    url = server.create_database("template_progressbot")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
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
    engine = make_engine(pg_server.create_database(name, template="template_progressbot"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "pg"])
def engine(request):
    """A freshly migrated database; storage tests run once on each backend."""
    yield request.getfixturevalue(f"{request.param}_engine")
