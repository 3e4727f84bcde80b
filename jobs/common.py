"""What every scheduled job reads first: the plan as it is now, its policy and calendar, the
time, who is away and who administers. Also the instance id that claims carry."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.core.calendar import WorkCalendar, calendar_for
from bot.core.delivery import Notifier
from bot.core.digest import read_digest_plan
from bot.core.policy import NudgePolicy, parse_policy
from bot.core.service import PlanService
from storage.absences import AbsenceView, absences_on, administrators, people_by_id
from storage.digest_queries import DigestPlan
from storage.models import Plan
from storage.queries import OwnerView, PlanSnapshot
from storage.read_ahead import ReadAhead


def default_instance_id() -> str:
    """Names this process in the claims it holds: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class JobContext:
    service: PlanService
    plan: Plan  # the plan's own row: settings, policy, time zone
    policy: NudgePolicy
    cal: WorkCalendar
    now: datetime
    pending: ReadAhead[PlanSnapshot]  # the whole plan: read, or read when asked for

    @classmethod
    def load(cls, service: PlanService, *, lazy: bool = False, people=None) -> JobContext:
        """With ``lazy``, the plan's whole snapshot is read only if a step asks for it (the
        digest job reads the plan its own, narrower way: ``digest_plan``). ``people``: owners
        and role holders already read for another plan (a sweep over several plans)."""
        if lazy:
            pending = ReadAhead.later(service.snapshot)
            plan = service.plan()
        else:
            snapshot = service.snapshot(people=people)
            pending, plan = ReadAhead.done(snapshot), snapshot.plan
        policy = parse_policy(plan.policy_json)
        return cls(
            service, plan, policy, calendar_for(policy.holiday_region), service.clock.now(), pending
        )

    @property
    def snapshot(self) -> PlanSnapshot:
        return self.pending.result()

    @cached_property
    def digest_plan(self) -> ReadAhead[DigestPlan]:
        """The plan as digests read it, started (beside the job, on a server) when first
        asked for, then shared by every digest the job builds."""
        return read_digest_plan(self.engine, self.plan_id)

    @property
    def engine(self):
        return self.service.engine

    @property
    def plan_id(self) -> int:
        return self.plan.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.plan.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.policy.lease_seconds)

    @cached_property
    def admins(self) -> list[OwnerView]:
        return administrators(self.engine, self.service.admin_emails)

    @cached_property
    def absences(self) -> dict[int, AbsenceView]:
        return absences_on(self.engine, self.today)

    def people(self, ids) -> dict[int, OwnerView]:
        return people_by_id(self.engine, ids)

    def local_day(self, person: OwnerView) -> date:
        return self.now.astimezone(ZoneInfo(person.timezone or self.plan.timezone)).date()

    def in_working_time(self, person: OwnerView) -> bool:
        at = self.now.astimezone(ZoneInfo(person.timezone or self.plan.timezone))
        return self.cal.is_working_time(
            at, self.policy.working_hours_start, self.policy.working_hours_end
        )


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


# The notifier this process's scheduler delivers through (jobs/scheduler.py start_scheduler sets
# it), for on-demand work such as an administrator's "digest now" in chat. It lives here, below
# both the scheduler and the jobs, so that a job can read it without importing the scheduler.
_process_notifier: Notifier | None = None


def set_process_notifier(notifier: Notifier | None) -> None:
    global _process_notifier
    _process_notifier = notifier


def process_notifier() -> Notifier | None:
    """The notifier this process's scheduler delivers through (None: no scheduler started)."""
    return _process_notifier
