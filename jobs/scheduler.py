"""The scheduler inside each bot process: APScheduler 3.x, in-memory job store.

APScheduler's job stores must never be shared between schedulers, so each process keeps its
own in memory and simply ticks: a nudge sweep every few minutes, a digest check, an
escalation check, and a catch-up run of each at start-up (what fell due while the bot was
down). With a chat directory it also syncs people (jobs/people_sync.py) at start - first, so
a rollout day's first sweep finds every user id stored - and once a day. Every job computes
what is due from the database and claims it there before sending; the claims, never the
scheduler, are what stop two processes sending the same thing twice.
A job that finds the database unavailable (a restart) waits and runs again from the top.
Shutting the scheduler down (JobScheduler.shutdown) tells a sweep under way to claim nothing
more, so a stopping bot leaves what it has not sent to the next instance at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.delivery import Notifier
from jobs.common import JobContext, default_instance_id, set_process_notifier
from jobs.digest_job import run_digest
from jobs.escalation import run_escalations
from jobs.people_sync import run_people_sync
from jobs.sweep import run_sweep
from storage.engine import retry_while_db_down

log = logging.getLogger(__name__)

SWEEP_JOB = "progressbot.nudge-sweep"
DIGEST_JOB = "progressbot.digest-check"
ESCALATION_JOB = "progressbot.escalation"
PEOPLE_SYNC_JOB = "progressbot.people-sync"


class JobScheduler(BackgroundScheduler):
    """The bot's scheduler. ``shutdown`` first tells running jobs the bot is stopping
    (``stopping``): a sweep under way claims nothing more. Without it a sweep went on
    claiming every nudge left and failing to send each (the chat client was already
    closed), so each waited out its claim's lease before the next instance sent it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()

    def shutdown(self, wait: bool = True) -> None:
        self.stopping.set()
        super().shutdown(wait=wait)


def sweep_job(
    service, notifier: Notifier, instance_id: str, stop: threading.Event | None = None
) -> None:
    try:
        report = retry_while_db_down(
            # One sweep at a time in this process: claims of ours still open are from a
            # run that stopped part-way, so they are checked and finished at once.
            lambda: run_sweep(
                service,
                notifier,
                instance_id=instance_id,
                escalate=False,
                resume_own=True,
                stop=stop,
            ),
            what="nudge sweep",
        )
        _forget_old_chat_events(service)
    except Exception:  # noqa: BLE001 - a failed tick must not stop the next one
        log.exception("nudge sweep failed")
        return
    if report.nudged or report.failures or report.left_for_next:
        log.info(
            "sweep: %d nudged, %d failed, %d skipped, %d left for the next sweep (stopping)",
            len(report.nudged),
            len(report.failures),
            len(report.skipped),
            report.left_for_next,
        )


def _forget_old_chat_events(service) -> None:
    """Chat platforms retry an event within minutes; ids a day old need not be kept."""
    from datetime import timedelta

    from storage.chat import forget_events_before
    from storage.engine import write_session
    from storage.pending import forget_pending_before

    with write_session(service.engine) as s:
        forget_events_before(s, service.clock.now() - timedelta(days=1))
        # Words waiting on a question: a month is long enough to answer it.
        forget_pending_before(s, service.clock.now() - timedelta(days=30))


def digest_job(service, notifier: Notifier, instance_id: str) -> None:
    try:
        report = retry_while_db_down(
            lambda: run_digest(service, notifier, instance_id=instance_id), what="digest check"
        )
    except Exception:  # noqa: BLE001
        log.exception("digest check failed")
        return
    for p in report.posted:
        log.info("digest posted to %s (%s)", p.channel, p.period_key)


def escalation_job(service, notifier: Notifier, instance_id: str) -> None:
    try:
        retry_while_db_down(
            lambda: [  # escalations stay per plan: each plan's own silent spells
                run_escalations(JobContext.load(one), notifier, instance_id=instance_id)
                for one in service.each_plan()
            ],
            what="escalation check",
        )
    except Exception:  # noqa: BLE001
        log.exception("escalation check failed")


def people_sync_job(service, directory) -> None:
    try:
        report = run_people_sync(service, directory)
    except Exception:  # noqa: BLE001 - yesterday's matches stand; tomorrow tries again
        log.exception("people sync failed")
        return
    log.info("people sync: %s", report.headline())
    for line in report.lines:
        log.info("people sync: %s", line)


def build_scheduler(
    service,
    notifier: Notifier,
    *,
    instance_id: str | None = None,
    sweep_minutes: float = 5,
    digest_minutes: float = 10,
    escalation_minutes: float = 15,
    catch_up: bool = True,
    directory=None,
    people_sync_hours: float = 24,
) -> JobScheduler:
    """A scheduler (not started) with the three jobs, and the people sync when given a
    ``directory`` (bot/core/people_match.py); ``catch_up`` runs each once at start."""
    instance_id = instance_id or default_instance_id()
    scheduler = JobScheduler(
        jobstores={"default": MemoryJobStore()},
        # One worker: the jobs share a notifier and are quick; a slow one is skipped, not
        # stacked (max_instances=1, coalesce), and the next tick catches up from the database.
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120},
        timezone=UTC,
    )
    first = datetime.now(UTC) if catch_up else None
    if directory is not None:
        scheduler.add_job(
            people_sync_job,
            IntervalTrigger(hours=people_sync_hours),
            args=(service, directory),
            id=PEOPLE_SYNC_JOB,
            name=PEOPLE_SYNC_JOB,
            replace_existing=True,
            # At start, before the catch-up sweep: the single worker runs jobs in the order
            # they fall due, so the sweep waits for the user ids the sync stores.
            next_run_time=datetime.now(UTC),
        )
        if first is not None:
            first += timedelta(seconds=1)
    args = (service, notifier, instance_id)
    for job_id, func, minutes, more in (
        (SWEEP_JOB, sweep_job, sweep_minutes, (scheduler.stopping,)),
        (DIGEST_JOB, digest_job, digest_minutes, ()),
        (ESCALATION_JOB, escalation_job, escalation_minutes, ()),
    ):
        kwargs = {"next_run_time": first} if first is not None else {}
        scheduler.add_job(
            func,
            IntervalTrigger(minutes=minutes),
            args=(*args, *more),
            id=job_id,
            name=job_id,
            replace_existing=True,
            **kwargs,
        )
    return scheduler


def start_scheduler(service, notifier: Notifier, **kw) -> JobScheduler:
    set_process_notifier(notifier)
    scheduler = build_scheduler(service, notifier, **kw)
    scheduler.start()
    log.info("scheduler started: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    return scheduler
