"""Administrator verbs in the Teams chat, as `/actions` has them in Slack: `people` (who is
not matched to a Teams user yet), `map ROLE @someone` (hand a role to the person mentioned),
`digest now`. Anything else is left to the conversation module."""

from __future__ import annotations

import re

from bot.core.people import Actor
from bot.core.people_admin import people_rows, set_person
from bot.core.service import PlanService
from storage.chat_members import matched_owner_ids, member
from storage.engine import read_session

ADMIN_VERBS = ("people", "map", "digest")
_MAP = re.compile(r"^map\s+(?P<role>.+?)(?:\s+to)?\s*$", re.I)


def admin_command(
    service: PlanService, actor: Actor, text: str, activity: dict, *, notifier=None
) -> str | None:
    """The answer to an administrator verb, or None if ``text`` is not one."""
    words = text.split()
    verb = words[0].lower() if words else ""
    if verb not in ADMIN_VERBS or (verb == "digest" and text.strip().lower() != "digest now"):
        return None
    if verb == "people" and len(words) > 1:
        return None  # "people …" may be a query of the conversation module's
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
        mentioned = [
            e["mentioned"]
            for e in activity.get("entities") or []
            if e.get("type") == "mention"
            and (e.get("mentioned") or {}).get("id") != (activity.get("recipient") or {}).get("id")
        ]
        role = re.sub(r"<at>.*?</at>", "", text).strip()
        m = _MAP.match(role)
        if len(mentioned) != 1 or not m:
            return "Use `map ROLE @someone`, e.g. `map Director of Corporate Affairs @Jane Smith`."
        with read_session(service.engine) as s:
            row = member(s, "teams", mentioned[0]["id"])
            email = row.email if row else None
            name = mentioned[0].get("name") or (row.name if row else "")
            if row is not None and row.owner_id is not None:
                from storage.models import Owner

                owner = s.get(Owner, row.owner_id)
                name = owner.name if owner else name
        if not email:
            return (
                f"I have not met {name or 'them'} in Teams yet: ask them to install the app, "
                "then try again."
            )
        done = set_person(service.engine, service.clock, name, email=email, role=m["role"].strip())
        return f"{done.name} now holds {m['role'].strip()}."
    from jobs.digest_job import post_digest_now

    return post_digest_now(service, notifier)
