"""Role names that are one role written two ways: "Director of Corporate Affairs" /
"Directors of Corporate Affairs", "Head of HR & OD" / "Head of HR and OD", "AO" /
"Accountable Officer". An import lists such pairs as look-alikes and suggests
`people roles merge A B`; it never merges them itself (two roles may really be two).

Two names are look-alikes when, after folding capitals, stray spaces and punctuation,
"&" to "and" and each word to its singular, they are the same words; or when one is an
abbreviation (a word in capitals, "AO") made of the initials of the other's words, with
or without the small words ("of", "and", "the", "for")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

_SMALL = frozenset({"of", "and", "the", "for", "to", "in", "&"})
_WORD = re.compile(r"[A-Za-z0-9]+")
_ABBREVIATION = re.compile(r"^[A-Z]{2,6}$")


@dataclass(frozen=True)
class LookAlike:
    merge: str  # the spelling to fold away
    into: str  # the spelling to keep
    why: str  # "plural/singular", "abbreviation", "spelling"

    @property
    def command(self) -> str:
        return f'progressbot people roles merge "{self.merge}" "{self.into}"'


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def folded(name: str) -> tuple[str, ...]:
    """The words of a role name, folded: lower case, "&" as "and", singular."""
    text = name.replace("&", " and ")
    return tuple(_singular(w.lower()) for w in _WORD.findall(text))


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name.replace("&", " and "))]


def _initials(name: str) -> set[str]:
    words = _WORD.findall(name.replace("&", " and "))
    full = "".join(w[0] for w in words).upper()
    short = "".join(w[0] for w in words if w.lower() not in _SMALL).upper()
    return {full, short}


def _is_abbreviation(name: str) -> bool:
    return bool(_ABBREVIATION.match(name.strip()))


def look_alikes(roles: list[tuple[str, int]], *, among: set[str] | None = None) -> list[LookAlike]:
    """Pairs of role names that read as one role. ``roles``: (name, live actions owned);
    the spelling kept is the written-out one, else the one with more actions, else the
    singular (shorter). With ``among``: only pairs with at least one name in it (this
    import's owners), so an import does not repeat other plans' look-alikes. Pairs are
    found by grouping (folded words; initials), not by trying every pair: a database may
    hold thousands of roles."""
    by_words: dict[tuple[str, ...], list[int]] = {}
    by_initials: dict[str, list[int]] = {}
    for i, (name, _n) in enumerate(roles):
        by_words.setdefault(folded(name), []).append(i)
        if not _is_abbreviation(name):
            for initials in _initials(name):
                by_initials.setdefault(initials, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for group in by_words.values():
        pairs.update((a, b) for a, b in combinations(group, 2))
    for i, (name, _n) in enumerate(roles):
        if _is_abbreviation(name):
            pairs.update(tuple(sorted((i, j))) for j in by_initials.get(name.strip(), []))
    out: list[LookAlike] = []
    for ia, ib in sorted(pairs):
        (a, na), (b, nb) = roles[ia], roles[ib]
        if among is not None and a not in among and b not in among:
            continue
        why = _why(a, b)
        if why is None:
            continue
        if why == "abbreviation":
            keep, fold = (b, a) if _is_abbreviation(a) else (a, b)
        elif na != nb:
            keep, fold = (a, b) if na > nb else (b, a)
        else:
            keep, fold = (a, b) if len(a) <= len(b) else (b, a)
        out.append(LookAlike(fold, keep, why))
    return out


def _why(a: str, b: str) -> str | None:
    if a.strip().casefold() == b.strip().casefold():
        return "spelling"
    fa, fb = folded(a), folded(b)
    if fa and fa == fb:
        return "spelling" if _words(a) == _words(b) else "plural/singular"
    if _is_abbreviation(a) and not _is_abbreviation(b) and a.strip() in _initials(b):
        return "abbreviation"
    if _is_abbreviation(b) and not _is_abbreviation(a) and b.strip() in _initials(a):
        return "abbreviation"
    return None
