"""The words after `sweep` and `digest` (console and command line), read strictly: a word
that is not understood is refused, so a typo can never send real nudges or digests."""

from __future__ import annotations

from dataclasses import dataclass

DRY_WORDS = frozenset({"dry", "dry-run", "--dry-run", "preview", "--preview"})
NOW_WORDS = frozenset({"now"})


class JobWordsError(ValueError):
    """The words could not be read; nothing was sent."""


@dataclass(frozen=True)
class JobWords:
    dry_run: bool = False
    now: bool = False  # `digest now`: post it (the console shows it otherwise)
    days: int | None = None  # `digest 14`: changes in the last 14 days


def read_job_words(command: str, words: list[str] | str, *, syntax: str = "chat") -> JobWords:
    """``sweep [dry|preview|--dry-run|now]`` / ``digest [DAYS] [dry|now]``. ``syntax`` picks
    how the usage is written in the error: "chat" (console) or "cli"."""
    if isinstance(words, str):
        words = words.split()
    name = f"progressbot {command}" if syntax == "cli" else command
    dry = now = False
    days: int | None = None
    for w in words:
        low = w.lower()
        if low in DRY_WORDS:
            dry = True
        elif low in NOW_WORDS:
            now = True
        elif command == "digest" and low.isdigit() and days is None and 0 < int(low) <= 366:
            days = int(low)
        else:
            raise JobWordsError(
                f"`{name}` does not understand {w!r}: {usage(command, syntax)}. Nothing was sent."
            )
    if dry and now:
        raise JobWordsError(f"`{name}`: say `dry` or `now`, not both. Nothing was sent.")
    return JobWords(dry_run=dry, now=now, days=days)


def usage(command: str, syntax: str = "chat") -> str:
    prefix = "progressbot " if syntax == "cli" else ""
    if command == "sweep":
        return (
            f"use `{prefix}sweep` to send the nudges due, or `{prefix}sweep dry` "
            "(also `preview`, `--dry-run`) to only show them"
        )
    if syntax == "cli":
        return "use `progressbot digest` to post it, or `progressbot digest dry` to only show it"
    return (
        "use `digest` (or `digest DAYS`, 1–366) to show it, `digest now` to post it to the "
        "leadership channels"
    )
