"""App composition: settings → engine (migrated) → core service, and which adapter runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.clock import Clock, SystemClock
from bot.core.service import PlanService
from bot.settings import Settings
from storage.engine import make_engine
from storage.migrate import upgrade


def open_engine(settings: Settings) -> Engine:
    """The configured database, brought to the newest schema."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


def build_service(settings: Settings, clock: Clock, engine: Engine | None = None) -> PlanService:
    return PlanService(
        engine or open_engine(settings),
        clock,
        plan_name=settings.plan_name or None,
        admin_emails=settings.admin_email_set,
    )


def sample_file(name: str) -> Path:
    """A file shipped in bot/data (the sample plan and its people)."""
    return Path(__file__).resolve().parent / "data" / name


def run_clock(settings: Settings) -> Clock:
    """The clock of a running bot: the real time, or (RUN_CLOCK_START, for tests and demos)
    real time moving on from a given start."""
    if not settings.run_clock_start:
        return SystemClock()
    from datetime import datetime

    from bot.core.clock import RunningClock

    try:
        start = datetime.fromisoformat(settings.run_clock_start)
        return RunningClock(start)
    except ValueError as exc:
        raise ValueError(
            f"RUN_CLOCK_START: {settings.run_clock_start!r} is not an ISO datetime with an "
            f"offset ({exc})"
        ) from None


def stop_on_sigterm() -> None:
    """SIGTERM (what `docker stop`, systemd and Kubernetes send) stops `progressbot run` as
    Ctrl-C does, instead of killing it on the spot: the server stops taking requests, and
    the interpreter's exit waits for the work pool (bot/platforms/inbox_worker.py) to
    finish every request Slack was already told was received. Slack never sends those
    again; they are in the durable inbox too, so even a forced kill leaves them for the next
    instance, but finishing them here answers people sooner."""
    import signal

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
