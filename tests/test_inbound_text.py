"""Text entering the bot: Slack's markup decoded (bot/platforms/slack/inbound.py) and typed
text cleaned for every platform (bot/core/text_input.py)."""

from __future__ import annotations

import pytest

from bot.core.text_input import MAX_COMBINING, TooLong, check_length, clean_input
from bot.platforms.slack.inbound import decode

NAMES = {"U0JANE": "Jane Smith"}

DECODED = [
    ("R&amp;D &lt;5 days&gt;", "R&D <5 days>"),
    ("&amp;lt; stays literal", "&lt; stays literal"),  # typed "&lt;": decoded once only
    ("ask <@U0JANE>", "ask @Jane Smith"),
    ("ask <@U0BOB|bob>", "ask @bob"),
    ("ask <@U0NOBODY>", "ask @U0NOBODY"),
    ("in <#C0GEN|general>", "in #general"),
    ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
    ("<!here|here> too", "@here too"),
    ("<!subteam^S0LEADS|@leads> please", "@leads please"),
    ("on <!date^1392734382^{date_short}|Feb 18, 2014>", "on Feb 18, 2014"),
    ("see <https://x.org/a?b=1&amp;c=2|the paper>", "see the paper (https://x.org/a?b=1&c=2)"),
    ("see <https://x.org/a>", "see https://x.org/a"),
    ("mail <mailto:a@b.org|a@b.org>", "mail a@b.org"),
    ("", ""),
]


@pytest.mark.parametrize(("sent", "meant"), DECODED, ids=[d[0] or "empty" for d in DECODED])
def test_slack_markup_is_decoded(sent, meant):
    assert decode(sent, NAMES.get) == meant


def test_commands_keep_mentions_as_ids():
    sent = "owner <@U0JANE> &amp; <!channel> <https://x.org|x>"
    assert (
        decode(sent, NAMES.get, keep_mentions=True)
        == "owner <@U0JANE> & @channel x (https://x.org)"
    )


def test_a_failing_name_lookup_keeps_the_message():
    def broken(_user):
        raise RuntimeError("users.info failed")

    assert decode("ask <@U0JANE>", broken) == "ask @U0JANE"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("a\x00b", "ab"),
        # A carriage return is read as a line break (bot/core/text_input.py strip_unsafe).
        ("tab\tand\nnewline\r\n", "tab\tand\nnewline\n"),
        ("bell\x07 esc\x1b[31m del\x7f c1\x85", "bell esc[31m del c1"),
        ("\u202eevil\u202c \u202aembed\u202c", "evil embed"),
        (
            "\u2067isolates stay\u2069 \u200fmarks stay",
            "\u2067isolates stay\u2069 \u200fmarks stay",
        ),
        ("Tiếng Việt", "Tiếng Việt"),
        ("e" + "\u0301" * 50, "e" + "\u0301" * MAX_COMBINING),
        ("'); DROP TABLE update; --", "'); DROP TABLE update; --"),
        (None, ""),
    ],
)
def test_typed_text_is_cleaned(typed, stored):
    assert clean_input(typed) == stored


def test_length_is_checked_with_a_message():
    check_length("x" * 10_000)
    with pytest.raises(TooLong, match="at most 10,000 characters and this one has 40,000"):
        check_length("x" * 40_000)


def test_slack_text_is_cut_after_escaping_and_never_inside_an_entity():
    from bot.platforms.slack.blocks import esc, fallback, plain

    for raw in ("&" * 5000, "<" * 5000, "a&" * 3000, "é" * 5000):
        for limit in (3000, 80):
            shown = esc(raw, limit)
            assert len(shown) <= limit
            body = shown.removesuffix("…")
            assert body.count("&") == body.count(";")  # whole entities only
            p = plain(raw, limit)["text"]
            assert len(esc(p, 10**6)) <= limit and len(p) > limit // 6
    assert fallback("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
