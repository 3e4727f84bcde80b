"""INSERT … ON CONFLICT DO NOTHING on both SQLite and PostgreSQL: the primitive every
exactly-once claim is built on (a None from RETURNING means someone else holds it)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_ignore(session: Session, model, values: dict, conflict_columns: list[str], *, returning):
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(returning)
    )
