"""Migrations keep existing data: a database at the first revision, with a plan in it,
upgrades to the newest schema on both backends."""

from datetime import UTC, datetime

from sqlalchemy import text

from storage.engine import make_engine
from storage.migrate import current_revision, upgrade


def _roundtrip(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0001")
    now = datetime(2020, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO plan (name, organisation, title, period, timezone, fy_start_month,"
                " leadership_channels, signoff_required, created_at, updated_at)"
                " VALUES ('P', '', '', '', 'Europe/London', 4, '', false, :t, :t)"
            ),
            {"t": now},
        )
        pid = conn.execute(text("SELECT id FROM plan")).scalar()
        conn.execute(
            text("INSERT INTO theme (plan_id, name, tags, position) VALUES (:p, 'T', '', 0)"),
            {"p": pid},
        )
        tid = conn.execute(text("SELECT id FROM theme")).scalar()
        conn.execute(
            text(
                "INSERT INTO action (plan_id, theme_id, key, text, deadline_text, deadline_kind,"
                " deadline_sure, position, created_at, updated_at)"
                " VALUES (:p, :t, 'k', 'Do it', 'Q2', 'fixed', true, 0, :n, :n)"
            ),
            {"p": pid, "t": tid, "n": now},
        )
        aid = conn.execute(text("SELECT id FROM action")).scalar()
        # Rows pointing at action: SQLite's batch rebuild of action must not break them.
        conn.execute(
            text(
                'INSERT INTO "update" (action_id, author_name, status, commentary, source,'
                " created_at) VALUES (:a, 'x', 'On track', 'fine', 'reply', :n)"
            ),
            {"a": aid, "n": now},
        )
    upgrade(engine)
    assert current_revision(engine) != "0001"
    with engine.connect() as conn:
        row = conn.execute(text("SELECT text, signoff_pending FROM action")).one()
        assert row[0] == "Do it" and not row[1]
        assert conn.execute(text("SELECT policy_json FROM plan")).scalar() == ""
        assert conn.execute(text('SELECT commentary FROM "update"')).scalar() == "fine"
    engine.dispose()


def test_upgrade_keeps_data_sqlite(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'old.db'}")


def test_upgrade_keeps_data_postgresql(pg_server):
    _roundtrip(pg_server.create_database("migration_roundtrip"))
