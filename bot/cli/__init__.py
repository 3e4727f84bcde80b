"""The `progressbot` command: import plans, query actions, read deadlines, manage people,
and run the bot (Slack when configured, else the console mode).

Each group of commands lives in its own module; importing them registers them on ``app``.
"""

from __future__ import annotations

import sys

import typer

from bot.cli import (  # noqa: F401
    job_cmds,
    owner_cmds,
    people_cmds,
    people_data_cmds,
    people_sync_cmd,
    plan_cmds,
    query_cmds,
    report_cmds,
    role_cmds,
    run_cmds,
    teams_cmds,
)
from bot.cli.app import app
from bot.cli.common import CliError, err, json_wanted, report_error

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
    except typer.Abort:
        sys.exit(130)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        ctx = getattr(exc, "ctx", None)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        where = None
        if ctx is not None:  # "python -m bot actions" or ".venv/bin/progressbot actions"
            rest = ctx.command_path[len(ctx.find_root().command_path) :].strip()
            where = f"progressbot {rest}".strip()
        report_error(message, where)
        if where and not json_wanted():
            err.print(f"Try '{where} --help'.", highlight=False, markup=False)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        sys.exit(130)
    except known as exc:
        report_error(_message(exc), _where(exc))
        sys.exit(1)
    except SQLAlchemyError as exc:
        first = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        report_error(f"database: {first}", None)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, never a traceback
        report_error(f"{type(exc).__name__}: {exc}", None)
        sys.exit(1)


def _message(exc: BaseException) -> str:
    return str(exc)


def _where(exc: BaseException) -> str | None:
    """Where the error is: the option or file position it names, else the command."""
    where = getattr(exc, "where", None)
    if where:
        return where
    file, row, column = (getattr(exc, k, None) for k in ("file", "row", "column"))
    if file or row or column:
        parts = [str(file) if file else None, f"row {row}" if row else None]
        parts.append(f"column {column!r}" if column else None)
        return ", ".join(p for p in parts if p)
    return None
