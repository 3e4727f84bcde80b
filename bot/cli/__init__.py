"""The `progressbot` command: import plans, query actions, read deadlines, manage people,
and run the bot (Slack when configured, else the console mode).

Each group of commands lives in its own module; importing them registers them on ``app``.
"""

from __future__ import annotations

import sys

import typer

from bot.cli import (  # noqa: F401
    job_cmds,
    people_cmds,
    people_data_cmds,
    people_sync_cmd,
    plan_cmds,
    query_cmds,
    report_cmds,
    run_cmds,
    teams_cmds,
)
from bot.cli.app import app
from bot.cli.common import CliError, err

__all__ = ["app", "main"]


def main() -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.core.people_admin import PeopleFileError
    from bot.core.query import QueryError
    from storage.queries import NotFound

    known: tuple[type[BaseException], ...] = (
        CliError,
        NotFound,
        QueryError,
        PeopleFileError,
        ValueError,
    )
    try:
        from bot.io.plan_table import PlanFileError

        known += (PlanFileError,)
    except ImportError:  # pragma: no cover
        pass
    from bot.log_privacy import install as install_log_privacy

    install_log_privacy()
    try:
        app(standalone_mode=False)
    except typer.TyperException as exc:  # usage errors: typer prints them as click would
        if hasattr(exc, "show"):
            exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        sys.exit(130)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except known as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(1)
    except SQLAlchemyError as exc:
        err.print(
            f"error: database: {str(exc.orig if hasattr(exc, 'orig') and exc.orig else exc).splitlines()[0]}",
            markup=False,
        )
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, never a traceback
        err.print(f"error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
