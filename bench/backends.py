"""Running one benchmark on each database: SQLite, then PostgreSQL (a throw-away server from
tests/support/postgres.py unless a URL is given), as ``--only`` allows; the run's verdict is
PASS only if every backend passed."""

from __future__ import annotations

from collections.abc import Callable


def on_each_backend(
    run: Callable[[str, str], bool],
    *,
    only: str | None,
    sqlite_url: str,
    pg_database: str = "bench",
    pg_url: str | None = None,
) -> int:
    """``run(name, url)`` for "sqlite" and "postgresql"; prints PASS or FAIL and returns the
    exit status (0 when every backend passed)."""
    results = []
    if only in (None, "sqlite"):
        results.append(run("sqlite", sqlite_url))
    if only in (None, "pg") and pg_url:
        results.append(run("postgresql", pg_url))
    elif only in (None, "pg"):
        from tests.support.postgres import PostgresServer

        server = PostgresServer().start()
        try:
            results.append(run("postgresql", server.create_database(pg_database)))
        finally:
            server.stop()
    print("PASS" if all(results) else "FAIL")
    return 0 if all(results) else 1
