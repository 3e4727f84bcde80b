"""Text arriving from Slack, turned into what the person typed before anything reads it.

Slack sends message and slash-command text in its own markup: `&`, `<` and `>` escaped as
`&amp;`, `&lt;`, `&gt;`, and mentions and links in angle brackets. Without decoding, a reply
"delayed, see <https://…|the paper>" lost its link to the tag stripping of the update
parser, and "R&D" was stored as "R&amp;D" (and shown later as "R&amp;amp;D"). Here:

    <@U123>  / <@U123|jane>      → @Jane Smith (the user's name when known) / @jane
    <#C123|general>              → #general
    <!channel> <!here> <!everyone> → @channel @here @everyone (as words: they ping no one
                                     once stored, and are escaped again wherever shown)
    <!subteam^S1|@leads>         → @leads
    <!date^1392734382^{date}|Feb 18> → Feb 18
    <https://x.org/a|the paper>  → the paper (https://x.org/a)
    <https://x.org/a>            → https://x.org/a
    <mailto:a@b.org|a@b.org>     → a@b.org
    &lt; &gt; &amp;              → < > &

Form fields (plain_text_input) arrive as typed and are not decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ANGLE = re.compile(r"<([^<>]*)>")


def decode(
    text: str | None,
    name_of: Callable[[str], str | None] | None = None,
    *,
    keep_mentions: bool = False,
) -> str:
    """Slack markup → plain text. ``name_of(user_id)`` names a mentioned user (optional).
    Commands that act on a person (`owner @jane`, `away … @deputy`, `map ROLE @user`) pass
    ``keep_mentions=True``: a user mention stays ``<@U123>`` so the person is found by their
    Slack id, never by a name anyone can give themselves."""
    if not text:
        return ""

    def one(m: re.Match) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if keep_mentions:
                return m.group(0)
            return "@" + (_name(name_of, target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word = target[1:].split("^", 1)[0]
            if word in ("channel", "here", "everyone"):
                return "@" + word
            return label or word  # a user group ("@leads"), a date's fallback text
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        if label and label != target:
            return f"{label} ({target})"
        return target

    decoded = _ANGLE.sub(one, text)
    return decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _name(name_of: Callable[[str], str | None] | None, user_id: str) -> str | None:
    if name_of is None:
        return None
    try:
        return name_of(user_id)
    except Exception:  # a failed look-up must not lose the message: fall back to the id
        return None
