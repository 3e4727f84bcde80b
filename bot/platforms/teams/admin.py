"""Administrator verbs in the Teams chat, as `/actions` has them in Slack: `people` (who is
not matched to a Teams user yet), `map ROLE @someone` (hand a role to the person mentioned),
`digest now`, `assign REF… @someone` (or a role's name: handlers/assign.py). Anything else
is left to the conversation module.

`map` finds the mentioned account by its id, never by the mention's display name, and asks
the administrator to confirm before it takes a person from another account
(bot/core/chat_accounts.py), as Slack's does; every mapping is audited under the
administrator's name and Teams id, and whatever goes wrong is answered to them."""

from __future__ import annotations

import re

from bot.core.chat_accounts import AccountConflict, map_account
from bot.core.people import Actor
from bot.core.people_admin import people_rows
from bot.core.service import PlanService
from bot.platforms.teams import cards as cd
from storage.chat_members import matched_owner_ids
from storage.engine import read_session

PLATFORM = "teams"
ADMIN_VERBS = ("people", "map", "digest", "assign")
_MAP = re.compile(r"^map\s+(?P<role>.+?)(?:\s+to)?\s*$", re.I)


def admin_command(
    service: PlanService, actor: Actor, text: str, activity: dict, *, notifier=None
) -> str | dict | None:
    """The answer to an administrator verb (text, or a card to confirm), or None if
    ``text`` is not one."""
    words = text.split()
    verb = words[0].lower() if words else ""
    if verb not in ADMIN_VERBS or (verb == "digest" and text.strip().lower() != "digest now"):
        return None
    if verb == "people" and len(words) > 1:
        return None  # "people …" may be a query of the conversation module's
    if verb == "assign":
        return assign_in_teams(service, actor, text, activity)
    if not actor.is_admin:
        return f"Sorry {actor.display_name}, “{verb}” is for administrators of the plan."
    if verb == "people":
        from sqlmodel import select

        from storage.models import Owner

        with read_session(service.engine) as s:
            ids = matched_owner_ids(s, "teams")
            in_teams = (
                set(s.exec(select(Owner.name).where(Owner.id.in_(sorted(ids))))) if ids else set()
            )
        rows = [
            r
            for r in people_rows(service.engine)
            if (r.kind == "person" and r.name not in in_teams and not r.chat_user_id)
            or (r.kind == "role" and not r.links)
        ]
        if not rows:
            return "Everyone is matched to a chat user and every role has a holder."
        lines = [
            f"{len(rows)} not matched yet (they match by email when they install the app; "
            "or `map ROLE @someone`):"
        ]
        for r in rows[:40]:
            what = "role with no holder" if r.kind == "role" else f"email {r.email or 'not set'}"
            lines.append(f"• {r.name} — {what} ({r.actions} actions)")
        if len(rows) > 40:
            lines.append(f"…and {len(rows) - 40} more")
        return "\n".join(lines)
    if verb == "map":
        mentioned = _mentions(activity)
        role = re.sub(r"<at>.*?</at>", "", text).strip()
        m = _MAP.match(role)
        if len(mentioned) != 1 or not m:
            return "Use `map ROLE @someone`, e.g. `map Director of Corporate Affairs @Jane Smith`."
        return map_role(service, actor, activity, m["role"].strip(), mentioned[0]["id"])
    from jobs.digest_job import post_digest_now

    return post_digest_now(service, notifier)


def _mentions(activity: dict) -> list[dict]:
    """The accounts @mentioned in the activity, the bot itself left out."""
    return [
        e["mentioned"]
        for e in activity.get("entities") or []
        if isinstance(e, dict)
        and e.get("type") == "mention"
        and isinstance(e.get("mentioned"), dict)
        and isinstance(e["mentioned"].get("id"), str)
        and e["mentioned"]["id"] != (activity.get("recipient") or {}).get("id")
    ]


def assign_in_teams(service: PlanService, actor: Actor, text: str, activity: dict) -> str:
    """`assign REF… @someone` (or a role's name): the mention is the person matched to the
    mentioned Teams account (by its id), never the name shown in the mention."""
    from handlers.assign import Mentioned, handle_assign
    from storage.chat_members import member

    mentioned_accounts = _mentions(activity)
    rest = re.sub(r"<at>.*?</at>", " ", text)
    if len(mentioned_accounts) > 1:
        return "Name one owner at a time: `assign REF… @someone`. Nothing was assigned."
    mentioned = None
    if mentioned_accounts:
        account = mentioned_accounts[0]
        with read_session(service.engine) as s:
            row = member(s, PLATFORM, account["id"])
            owner_id = row.owner_id if row is not None else None
        shown = f"@{str(account.get('name') or 'them')[:80]}"
        mentioned = Mentioned(owner_id if actor.is_admin else None, shown)
    return handle_assign(
        service, actor, rest, mentioned=mentioned, by=audit_name(actor, activity), slash=""
    )


def audit_name(actor: Actor, activity: dict) -> str:
    """How the audit trail names someone acting in Teams."""
    uid = (activity.get("from") or {}).get("id") or "unknown user"
    return f"{actor.display_name} (teams {str(uid)[:80]})"


def map_role(
    service: PlanService,
    actor: Actor,
    activity: dict,
    role: str,
    user_id: str,
    *,
    confirmed_person_id: int | None = None,
) -> str | dict:
    """Hand ``role`` to the person behind Teams account ``user_id``; a move of a person from
    another account answers with a card to confirm it, and nothing is changed until then."""
    try:
        result = map_account(
            service.engine,
            service.clock,
            PLATFORM,
            user_id,
            role,
            by=audit_name(actor, activity),
            confirmed_person_id=confirmed_person_id,
        )
    except (AccountConflict, ValueError) as exc:
        return f"Nothing was changed: {exc}."
    mp = result.mapping
    if result.done:
        return f"{mp.person_name} now holds {result.role}."
    text = (
        f"Confirm: this Teams account has {mp.person_name}'s email, but {mp.person_name} is "
        "already another Teams account. Mapping it moves them: the other account will no "
        "longer be answered as them. Confirm only if you know this account is "
        f"{mp.person_name}. Nothing has been changed yet."
    )
    data = {"r": result.role, "u": user_id, "p": mp.person_id}
    return cd.card(
        [cd.plain(text, limit=2000)],
        [
            cd.execute(
                cd.cut(f"Confirm: {result.role} to {mp.person_name}", 75),
                {"k": "mapok", **data},
                style="destructive",
            ),
            cd.execute("Cancel", {"k": "mapno"}),
        ],
    )


def confirm_map(service: PlanService, actor: Actor, data: dict, activity: dict) -> str:
    """The Confirm button of a `map` that moves a person between accounts."""
    if not actor.is_admin:
        return f"Sorry {actor.display_name}, only an administrator can confirm this. Nothing was changed."
    role, user_id, person_id = data.get("r"), data.get("u"), data.get("p")
    if not (isinstance(role, str) and isinstance(user_id, str)) or not (
        isinstance(person_id, int) and not isinstance(person_id, bool)
    ):
        return "That button's data could not be read. Nothing was changed."
    answer = map_role(service, actor, activity, role, user_id, confirmed_person_id=person_id)
    if isinstance(answer, dict):  # someone else moved meanwhile: ask again, in a new card
        return "Things changed since you were asked: send the `map` again. Nothing was changed."
    return answer
