"""Who a Teams user is, and how to reach a person in Teams.

A user is looked up through the Bot Connector once (email, user principal name, AAD object
id) and stored as a chat member (storage/chat_members.py), matched to a person by email or
UPN as Slack matches by email. Reaching a person uses their stored 1:1 conversation, or
opens one if the bot has only met them in a team.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import select

from bot.core.people import Actor
from bot.core.service import PlanService
from bot.platforms.teams.connector import ConnectorError, TeamsConnector
from storage.chat_members import MemberSeen, member, member_for_owner, members, remember_member
from storage.engine import read_session, write_session
from storage.models import ChatMember
from storage.people import get_owner
from storage.queries import OwnerView

log = logging.getLogger(__name__)
PLATFORM = "teams"


@dataclass(frozen=True)
class Reach:
    conversation_id: str
    service_url: str


def tenant_of(activity: dict) -> str | None:
    return ((activity.get("channelData") or {}).get("tenant") or {}).get("id") or (
        activity.get("conversation") or {}
    ).get("tenantId")


def is_personal(activity: dict) -> bool:
    return (activity.get("conversation") or {}).get("conversationType") in (None, "personal")


def seen_from_account(
    account: dict,
    *,
    service_url: str,
    tenant_id: str | None,
    conversation_id: str | None = None,
    trusted: bool = True,
) -> MemberSeen:
    email = account.get("email") or account.get("userPrincipalName")
    return MemberSeen(
        user_id=account["id"],
        name=account.get("name") or "",
        aad_object_id=account.get("aadObjectId"),
        email=email.strip() if email else None,
        conversation_id=conversation_id,
        service_url=service_url,
        tenant_id=tenant_id,
        service_url_trusted=trusted,
    )


class TeamsPeople:
    def __init__(
        self, service: PlanService, connector: TeamsConnector, *, trust_service_url: bool = True
    ):
        """``trust_service_url`` False (unauthenticated mode): an activity's serviceUrl is
        stored only for an account or channel that has none yet, never replacing one."""
        self.service = service
        self.connector = connector
        self.trust_service_url = trust_service_url

    def actor(self, activity: dict) -> Actor:
        """The person behind an activity; the first time, their email comes from the
        Connector's member look-up and what proactive messages need is stored."""
        frm = activity["from"]
        conv = activity["conversation"]["id"]
        service_url = activity["serviceUrl"]
        with read_session(self.service.engine) as s:
            row = member(s, PLATFORM, frm["id"])
            known_email = row.email if row is not None else None
        account = dict(frm)
        if not known_email:
            try:
                looked_up = self.connector.member(conv, service_url, frm["id"])
            except ConnectorError as exc:
                log.warning("member look-up for %s failed: %s", frm["id"], exc)
                looked_up = None
            account.update(looked_up or {})
        seen = self._seen(activity, account)
        return self.service.actor_for_member(PLATFORM, seen, known=row)  # not read twice

    def actors(self, activities: list[dict]) -> list[Actor]:
        """``actor`` for several activities (a burst of clicks): the people already known
        read together; anyone else (no email yet, a new chat or service URL) one by one."""
        with read_session(self.service.engine) as s:
            rows = members(s, PLATFORM, [a["from"]["id"] for a in activities])
        # Only a member whose email is stored needs no look-up at the Connector first.
        with_email = [a for a in activities if getattr(rows.get(a["from"]["id"]), "email", None)]
        seen = [self._seen(a, dict(a["from"])) for a in with_email]
        known = self.service.actors_for_members(PLATFORM, seen, rows)
        return [known.get(a["from"]["id"]) or self.actor(a) for a in activities]

    def _seen(self, activity: dict, account: dict) -> MemberSeen:
        conv = activity["conversation"]["id"]
        return seen_from_account(
            account,
            service_url=activity["serviceUrl"],
            tenant_id=tenant_of(activity),
            conversation_id=conv if is_personal(activity) else None,
            trusted=self.trust_service_url,
        )

    def remember_all(self, accounts: list[dict], *, service_url: str, tenant_id: str | None) -> int:
        """Members met in a team (no 1:1 chat yet): stored and matched by email."""
        now = self.service.clock.now()
        matched = 0
        with write_session(self.service.engine) as s:
            for a in accounts:
                if not a.get("id"):
                    continue
                row = remember_member(
                    s,
                    PLATFORM,
                    seen_from_account(
                        a,
                        service_url=service_url,
                        tenant_id=tenant_id,
                        trusted=self.trust_service_url,
                    ),
                    now=now,
                )
                matched += row.owner_id is not None
        return matched

    def reach(self, person: OwnerView) -> Reach | None:
        """Where to message ``person`` 1:1 in Teams, or None if the bot has not met them."""
        with read_session(self.service.engine) as s:
            row = s.exec(
                select(ChatMember).where(
                    ChatMember.platform == PLATFORM, ChatMember.owner_id == person.id
                )
            ).first()
            if row is not None and row.conversation_id:
                return Reach(row.conversation_id, row.service_url)
        with write_session(self.service.engine) as s:
            owner = get_owner(s, person.id)
            row = member_for_owner(s, PLATFORM, owner)
            if row is None:
                return None
            if row.conversation_id:
                return Reach(row.conversation_id, row.service_url)
            user_id, service_url, tenant = row.user_id, row.service_url, row.tenant_id
        conv = self.connector.open_chat(service_url, user_id, tenant)
        with write_session(self.service.engine) as s:
            row = member(s, PLATFORM, user_id)
            if row is not None:
                row.conversation_id = conv
                s.add(row)
        return Reach(conv, service_url)

    def owner_of(self, user_id: str) -> int | None:
        with read_session(self.service.engine) as s:
            row = member(s, PLATFORM, user_id)
            return row.owner_id if row is not None else None
