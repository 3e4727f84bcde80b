"""People sync: match every person in the plan to the chat workspace's members in one pass.

The bot runs it at start and once a day (jobs/scheduler.py); an administrator runs it with
`progressbot people sync`. The whole member list is read first (Slack: users.list, a
thousand members a page, Tier 2, 429s waited out), then matched in memory
(bot/core/people_match.py) and written in one transaction (storage/people_sync.py), so a
list that fails half-way changes nothing. Nothing is sent to anyone.

This is what makes first contact cheap: with every user id stored, the first sweep needs no
per-person users.lookupByEmail (Tier 3, ~50 a minute) before it can post.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.people_match import Directory, MatchResult, PlanPerson, match_people, summarise
from storage.people_sync import SyncOutcome, apply_sync, plan_people

log = logging.getLogger(__name__)


class EmptyDirectory(ValueError):
    """The member list came back with no people in it."""


@dataclass
class PeopleSyncReport:
    platform: str
    at: datetime
    dry_run: bool
    result: MatchResult
    newly_matched: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "platform": self.platform,
            "at": self.at,
            "dry_run": self.dry_run,
            "members": r.members,
            "skipped_bots": r.skipped_bots,
            "skipped_deactivated_members": r.skipped_deactivated,
            "matched": len(r.matched),
            "newly_matched": self.newly_matched,
            "deactivated": [
                {"name": p.name, "email": p.email, "user_id": m.user_id} for p, m in r.deactivated
            ],
            "unmatched": [
                {
                    "name": p.name,
                    "email": p.email,
                    "why": "no email in the plan" if not p.email else "nobody has this email",
                    "looks_like": [
                        {"user_id": n.member.user_id, "email": n.member.email, "why": n.why}
                        for n in r.near_misses_for(p.id)
                    ],
                }
                for p in [*r.unmatched, *r.no_email]
            ],
            "seconds": round(self.seconds, 3),
        }

    def headline(self) -> str:
        r = self.result
        verb = "would match" if self.dry_run else "matched"
        return (
            f"{self.platform}: read {r.members} members; {verb} {len(r.matched)} people "
            f"({self.newly_matched} new); {len(r.unmatched) + len(r.no_email)} unmatched, "
            f"{len(r.deactivated)} deactivated, {len(r.near_misses)} near-miss emails "
            f"({self.seconds:.1f} s)"
        )


def run_people_sync(service, directory: Directory, *, dry_run: bool = False) -> PeopleSyncReport:
    """Read ``directory`` to the end, match, and (unless a dry run) store the outcome."""
    started_at = service.clock.now()
    t0 = time.perf_counter()
    members = list(directory.members())  # all of it before anything is written
    if not any(m.is_person for m in members):
        # An empty list is a broken token or workspace, not a workspace nobody is in: taking
        # it at its word would mark everyone unmatched.
        raise EmptyDirectory(
            f"{directory.platform}: the workspace listed no people ({len(members)} members "
            "read); nothing was changed"
        )
    people = [PlanPerson(*row) for row in plan_people(service.engine)]
    result = match_people(people, members)
    report = PeopleSyncReport(directory.platform, started_at, dry_run, result)
    if dry_run:
        report.newly_matched = sum(1 for p, m in result.matched if p.chat_user_id != m.user_id)
    else:
        counts = apply_sync(
            service.engine,
            directory.platform,
            SyncOutcome(
                members=result.members,
                matched=[(p.id, m.user_id) for p, m in result.matched],
                deactivated=[(p.id, m.user_id) for p, m in result.deactivated],
                unmatched=[p.id for p in [*result.unmatched, *result.no_email]],
                near_misses=len(result.near_misses),
            ),
            started_at=started_at,
            now=service.clock.now(),
        )
        report.newly_matched = counts.newly_matched
    report.seconds = time.perf_counter() - t0
    report.lines = summarise(result)
    return report
