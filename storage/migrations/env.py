"""Alembic environment: runs migrations on the connection handed in by storage.migrate,
or on the URL in the alembic config / DATABASE_URL when run from the alembic CLI."""

from __future__ import annotations

import os

from alembic import context

import storage.models  # noqa: F401  (registers the tables on the metadata)
from storage.engine import make_engine
from storage.models import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "DATABASE_URL", "sqlite:///./data/progressbot.db"
    )
    with make_engine(url).connect() as conn:
        _run(conn)
