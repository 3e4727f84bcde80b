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
from bot.core.policy import NudgePolicy, parse_policy
from bot.core.service import PlanService
from storage.absences import AbsenceView, absences_on, administrators, people_by_id
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
    pending: ReadAhead[PlanSnapshot]  # the whole plan, read or being read

    @classmethod
    def load(cls, service: PlanService, *, ahead: bool = False) -> JobContext:
        """With ``ahead``, the plan's snapshot is started beside the job and waited for when
        first needed (storage/read_ahead.py): the digest job makes its claims meanwhile,
        and reads the period's changes beside it."""
        if ahead:
            pending = service.snapshot_ahead()
            plan = service.plan()
        else:
            snapshot = service.snapshot()
            pending, plan = ReadAhead.done(snapshot), snapshot.plan
        policy = parse_policy(plan.policy_json)
        return cls(
            service, plan, policy, calendar_for(policy.holiday_region), service.clock.now(), pending
        )

    @property
    def snapshot(self) -> PlanSnapshot:
        return self.pending.result()

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
