"""Which plan an import updates, or whether it creates one, or refuses to guess.

With several plans loaded, a file must never replace another plan's actions silently. The
rules, for an `import FILE` with no `--plan`/`--new` (see `choose_plan`):

- A loaded plan is *the same plan* when at least half of the file's actions are its live
  actions (matched by reference, or by text when the file or the plan has no references),
  or when its name or (normalised) title is the file's and they share at least one action
  (or the plan has no live actions yet). "plan v2 (final).xlsx", the same plan saved under
  a new name, is found by its title or its actions.
- Exactly one same plan: it is updated. None, and no plan shares an action, title or name
  with the file: a new plan is created, named after the file's title, else the file's stem.
- Otherwise (several same plans, or a plan that shares some actions, its name or its title
  but not enough to be sure) the import refuses, writes nothing, names the candidates and
  says how to choose: `--plan NAME` (update or create that plan) or `--new`.

`--plan NAME` is the importer's word: that plan is updated (or created). `--new` creates a
new plan (named by `--plan`, else the title or stem) and refuses a name already taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.io.plan_table import PlanFileError
from storage.plan_match import PlanKeys
from storage.plan_sync import text_key

SAME_SHARE = 0.5  # at least this share of the file's actions are a plan's: the same plan


class PlanChoiceError(PlanFileError):
    """The import cannot tell which plan the file is (or --new names a plan that exists)."""


@dataclass
class PlanChoice:
    name: str
    new: bool  # a plan that does not exist yet
    why: str  # for the summary: "same title", "40 of 46 actions match", "--plan", …


@dataclass
class _Match:
    plan: PlanKeys
    matched: int
    same_name: bool
    same_title: bool

    def describe(self, total: int) -> str:
        bits = [f"{self.matched} of the file's {total} action{'' if total == 1 else 's'}"]
        if self.same_title:
            bits.append("same title")
        if self.same_name:
            bits.append("same name")
        return f"“{self.plan.name}” ({', '.join(bits)})"


def normalise_title(title: str) -> str:
    return " ".join((title or "").split()).casefold()


def default_name(title: str, path: Path) -> str:
    """A new plan's name: the file's title, else the file's name without its extension."""
    title = " ".join((title or "").split())
    return title[:200] if title else path.stem


def choose_plan(
    plans: list[PlanKeys],
    *,
    title: str,
    path: Path,
    action_keys: list[tuple[str, str]],  # (key, text_key(text)) of each of the file's actions
    plan_name: str | None = None,
    new: bool = False,
) -> PlanChoice:
    names = {p.name for p in plans}
    if new:
        name = plan_name or default_name(title, path)
        if name in names:
            raise PlanChoiceError(
                f"--new: a plan named “{name}” is already loaded; give the new plan its own "
                "name with --new --plan NAME"
            )
        return PlanChoice(name, True, "--new")
    if plan_name:
        return PlanChoice(plan_name, plan_name not in names, "--plan")
    name = default_name(title, path)
    total = len(action_keys)
    matches = [_match(p, title, name, action_keys) for p in plans]
    same = [m for m in matches if _is_same(m, total)]
    if len(same) == 1:
        m = same[0]
        why = (
            f"{m.matched} of {total} action{'' if total == 1 else 's'} match"
            if m.matched * 2 >= total
            else ("same title" if m.same_title else "same name")
        )
        return PlanChoice(m.plan.name, False, why)
    candidates = same or [m for m in matches if m.matched or m.same_name or m.same_title]
    if not candidates:
        return PlanChoice(name, True, "it matches no plan loaded")
    listed = "; ".join(m.describe(total) for m in candidates)
    if len(same) > 1:
        why = "it could be any of several plans"
    else:
        why = (
            "it shares some actions, its name or its title with a loaded plan, but not "
            "enough to be sure it is that plan"
        )
    taken = " (that name is taken: add --plan NEWNAME)" if name in names else ""
    raise PlanChoiceError(
        f"can't tell which plan this file is: {why}: {listed}. Nothing was imported. "
        f"Choose: --plan NAME to update (or create) that plan, or --new to load it as a "
        f"new plan “{name}”{taken}"
    )


def _match(p: PlanKeys, title: str, name: str, action_keys) -> _Match:
    matched = sum(1 for key, tkey in action_keys if key in p.keys or tkey in p.text_keys)
    same_title = bool(normalise_title(title)) and normalise_title(title) == normalise_title(p.title)
    return _Match(p, matched, p.name == name, same_title)


def _is_same(m: _Match, total: int) -> bool:
    if total and m.matched * 2 >= total:
        return True
    empty = not m.plan.keys
    return (m.same_title or m.same_name) and (m.matched > 0 or empty)


def file_action_keys(spec_actions) -> list[tuple[str, str]]:
    """(key, text key) of each ActionSpec, for choose_plan."""
    return [(a.key, text_key(a.text)) for a in spec_actions]
