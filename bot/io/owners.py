"""Splitting an owner cell into owners: "Director of Corporate Affairs / CSU" is two owners,
"Director of Quality and Nursing" is one.

The rule, in order:

1. "/", ";", ",", newlines and bullets always separate owners.
2. " and " and "&" separate owners only when *both* sides stand alone as an owner: they
   hold a title word (Director, Head, Chair, Officer, Lead, …), are an acronym (AO, CSU) or
   read as a person's name ("Julie Fellows"). So "New Chair and AO" is two owners, while in
   "Director of Quality and Nursing" the "and" sits inside one role title ("Nursing" alone
   is no owner) and the cell stays whole. "&" is treated like "and" (not as a hard
   separator) for the same reason: "Director of Quality & Nursing" is one role.
3. A part after "/" (or ",") that is only the tail of the role before it — no title word,
   a department such as "Corporate Affairs" — borrows that role's title:
   "Director of Governance / Corporate Affairs" → "Director of Governance",
   "Director of Corporate Affairs".
4. "N/A", "TBC", "-" and the like mean nobody yet: no owners.
5. Trailing punctuation is stripped; repeats are dropped (case-insensitively), order kept.
"""

from __future__ import annotations

import re
from functools import lru_cache

_HARD = re.compile(r"\s*[\n;,/•▪]\s*")
_SOFT = re.compile(r"\s+(?:and|&)\s+|\s*&\s*", re.I)
_TITLE_OF = re.compile(r"^(?P<title>.*?\b(?:of|for))\s+\S", re.I)
_NOBODY = {"", "n/a", "na", "tbc", "tba", "tbd", "-", "–", "—", "none", "nil", "?"}

TITLE_WORDS = frozenset(
    """director directors head heads chair chairs chairman chairperson chief deputy assistant
    officer officers manager managers lead leads leader leaders executive executives secretary
    coordinator co-ordinator clinician clinicians consultant nurse doctor gp gps team teams
    board committee group panel forum partner partners commissioner commissioners controller
    analyst advisor adviser guardian champion champions sro ceo cfo coo ao csu all everyone
    practices""".split()
)
# Words that make a phrase a department ("Corporate Affairs"), never a person's name.
DEPARTMENT_WORDS = frozenset(
    """affairs finance nursing quality governance workforce operations strategy commissioning
    partnerships transformation estates communications comms engagement performance care
    services development resources safeguarding contracting planning informatics digital
    medicine safety people policy delivery assurance contracts procurement medical clinical
    corporate primary secondary system systems health""".split()
)
# Acronyms that name a department, so "Director of Workforce / HR" reads as a tail.
_DEPARTMENT_ACRONYMS = frozenset({"HR", "OD", "IT", "ICT", "IMT", "IM&T", "PMO", "BI"})
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,6}$")
_NAME_WORD = re.compile(r"^[A-Z][a-zA-Z'’\-]*\.?$")
_STRIP = " \t.,:;-–—•▪*"


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9&'’\-]+", text)


def _has_title(text: str) -> bool:
    return any(w.lower() in TITLE_WORDS for w in _words(text))


def _is_acronym(text: str) -> bool:
    return bool(_ACRONYM.match(text.strip()))


def _is_name(text: str) -> bool:
    """Two to four capitalised words, none of them a department or title: "Julie Fellows"."""
    words = text.split()
    return (
        2 <= len(words) <= 4
        and all(_NAME_WORD.match(w) for w in words)
        and not any(w.lower().strip(".") in DEPARTMENT_WORDS | TITLE_WORDS for w in words)
    )


def stands_alone(text: str) -> bool:
    """Could this text be an owner on its own?"""
    text = text.strip(_STRIP)
    if not text:
        return False
    if _is_acronym(text):
        return text not in _DEPARTMENT_ACRONYMS
    return _has_title(text) or _is_name(text)


def _split_soft(part: str) -> list[str]:
    """Split on "and"/"&" where both neighbours stand alone (see the module docstring)."""
    pieces = _SOFT.split(part)
    if len(pieces) == 1:
        return pieces
    seps = _SOFT.findall(part)
    out = [pieces[0]]
    for sep, piece in zip(seps, pieces[1:], strict=True):
        if stands_alone(out[-1]) and stands_alone(piece):
            out.append(piece)
        else:
            out[-1] = f"{out[-1]}{sep}{piece}"
    return out


def _expand_tail(part: str, previous: str) -> str:
    """ "Corporate Affairs" after "Director of Governance" → "Director of Corporate Affairs"."""
    if stands_alone(part):
        return part
    m = _TITLE_OF.match(previous)
    if not m or not _has_title(m.group("title")):
        return part
    return f"{m.group('title')} {part}"


def split_owners(text: str) -> list[str]:
    """The owners named in one owner cell (already cleaned of HTML)."""
    return list(_split_owners((text or "").strip()))


@lru_cache(maxsize=4096)  # the same few owner cells repeat down a plan
def _split_owners(text: str) -> tuple[str, ...]:
    if text.lower().strip(_STRIP) in _NOBODY or text.lower() in _NOBODY:
        return []
    owners: list[str] = []
    previous = ""
    for hard in _HARD.split(text):
        hard = hard.strip(_STRIP)
        if not hard:
            continue
        for part in _split_soft(hard):
            part = " ".join(part.split()).strip(_STRIP)
            if not part:
                continue
            if previous:
                part = _expand_tail(part, previous)
            owners.append(part)
            previous = part
    seen: set[str] = set()
    unique = []
    for owner in owners:
        if owner.lower() not in seen:
            seen.add(owner.lower())
            unique.append(owner)
    return tuple(unique)


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def owner_email(owner: str) -> tuple[str, str | None]:
    """(name, email) for an owner given by email: "julie.fellows@nhs.net" → ("Julie
    Fellows", "julie.fellows@nhs.net"); "Julie Fellows <jf@nhs.net>" keeps the name given.
    (owner, None) when there is no email in it."""
    m = _EMAIL.search(owner or "")
    if not m:
        return owner, None
    email = m.group(0).strip(".'")
    name = (owner[: m.start()] + owner[m.end() :]).strip(" <>()[]:-–—,")
    if not name:
        local = re.sub(r"\d+", "", email.split("@", 1)[0])
        words = [w for w in re.split(r"[._\-+']+", local) if w]
        name = " ".join(w.capitalize() for w in words) or email
    return name, email.lower()


def split_owner_emails(owners: list[str]) -> list[str]:
    """Owners where one part holds several emails ("a@x.nhs.net and b@y.nhs.net")."""
    out: list[str] = []
    for owner in owners:
        found = _EMAIL.findall(owner)
        out.extend(found if len(found) > 1 else [owner])
    return out
