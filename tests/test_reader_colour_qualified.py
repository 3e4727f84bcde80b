"""A RAG colour dated or qualified by a word or two is still the owner's rating.

"V11 amber as of today - waiting for finance sign off" was stored Pending: the colour was
read as a label only when punctuation followed it, so the reader went past "amber" and took
"waiting for" (Pending) as the status. The owner rated it amber (At risk) and said why. The
same went for "Amber now - waiting on finance", "red at the moment - procurement stalled"
and "Amber still - waiting for HR"; and "Green now", "amber today", "green tbf" were not read
at all (asked).

A colour opening the reply followed by words that date or qualify it (now, today, as of
today, at the moment, currently, still, again, for now, this week, tbf, …) is the label; the
words after the qualifier are the update's words (a qualifier that only says when is left off
them, as "now" is after a status word). Colours that open something else ("red tape",
"green light") are still not ratings.

The class is generated (colours × subjects × qualifiers × separators × tails) and read by the
reply reader; a sample runs end to end through ``Conversation.handle`` on the bundled plan
(tests/corpus/harness.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from tests.corpus.harness import check_stored_words

TODAY = date(2020, 1, 10)
COLOURS = {"green": Status.ON_TRACK, "Green": Status.ON_TRACK, "amber": Status.AT_RISK,
           "AMBER": Status.AT_RISK, "yellow": Status.AT_RISK, "red": Status.DELAYED,
           "Red": Status.DELAYED}  # fmt: skip
SUBJECTS = ["", "it's ", "we're ", "status: ", "RAG "]
# Qualifiers that only say when: left off the words.
WHEN = ["now", "today", "as of today", "at the moment", "currently", "still", "at present",
        "as of now", "tbf", "again"]  # fmt: skip
# Qualifiers that say a little more: kept with the words.
MORE = ["this week", "as of this week", "for the time being", "overall"]
TAILS = ["waiting for finance sign off", "waiting on estates for the keys",
         "procurement stalled", "contractor went bust", "the board meets on Tuesday"]  # fmt: skip
SEPS = [" - ", ", ", ": ", " – "]


@pytest.mark.parametrize("colour", COLOURS)
@pytest.mark.parametrize("qualifier", WHEN)
def test_a_colour_dated_then_words_is_the_rating_with_the_words(colour, qualifier):
    for subject in SUBJECTS:
        for sep in SEPS:
            for tail in TAILS:
                text = f"{subject}{colour} {qualifier}{sep}{tail}"
                got = parse_update_text(text, today=TODAY)
                assert (got.status, got.commentary) == (COLOURS[colour], tail), text


@pytest.mark.parametrize("colour", COLOURS)
@pytest.mark.parametrize("qualifier", MORE)
def test_a_colour_qualified_keeps_the_qualifier_with_the_words(colour, qualifier):
    for sep in SEPS:
        for tail in TAILS:
            text = f"{colour} {qualifier}{sep}{tail}"
            got = parse_update_text(text, today=TODAY)
            assert got.status is COLOURS[colour], text
            assert got.commentary.endswith(tail) and qualifier in got.commentary, text


@pytest.mark.parametrize("colour", COLOURS)
@pytest.mark.parametrize("qualifier", [*WHEN, "for now", "tbf", "honestly"])
def test_a_colour_and_a_qualifier_alone_is_the_rating_with_no_words(colour, qualifier):
    for end in ("", ".", "!", " thanks"):
        got = parse_update_text(f"{colour} {qualifier}{end}", today=TODAY)
        assert (got.status, got.commentary) == (COLOURS[colour], ""), (colour, qualifier, end)


@pytest.mark.parametrize("split", ["Amber/Green", "green/amber", "Red/Amber", "amber / red"])
@pytest.mark.parametrize("qualifier", ["now", "today", "as of today", "as of now"])
def test_a_split_rating_dated_reads_as_it_does_undated(split, qualifier):
    """ "Amber/Green now, waiting for finance" was stored Pending: the "now" was read as
    introducing a newer status, when it dates the rating before it."""
    for sep in SEPS:
        for tail in TAILS:
            plain = parse_update_text(f"{split}{sep}{tail}", today=TODAY)
            dated = parse_update_text(f"{split} {qualifier}{sep}{tail}", today=TODAY)
            assert plain.status is not None, (split, tail)
            assert (dated.status, dated.options) == (plain.status, plain.options), (
                split, qualifier, sep, tail)  # fmt: skip


@pytest.mark.parametrize(
    "text, colour",
    [
        ("red tape is holding us up", Status.DELAYED),
        ("green light given for phase 2", Status.ON_TRACK),
        ("green space project: survey done", Status.ON_TRACK),
        ("Red Cross volunteers booked", Status.DELAYED),
    ],
)
def test_a_colour_that_opens_something_else_is_not_a_rating(text, colour):
    assert parse_update_text(text, today=TODAY).status is not colour, text


@pytest.mark.parametrize(
    "text, status",
    [
        ("Delayed before, now underway", Status.ONGOING),
        ("was red, now green", Status.ON_TRACK),
        ("Delayed, now underway", Status.ONGOING),
        ("Delayed, now waiting on finance", Status.PENDING),
        ("green/amber now - but now on hold", Status.PENDING),
    ],
)
def test_a_later_status_after_now_is_still_the_newer_news(text, status):
    assert parse_update_text(text, today=TODAY).status is status


# Through the conversation, on the bundled plan (V12-V14 due 31 March 2020).
CASES = [
    ("V12 amber as of today - waiting for finance sign off", (), {"V12": "At risk"},
     "waiting for finance sign off"),
    ("V13 red at the moment - procurement stalled", (), {"V13": "Delayed"},
     "procurement stalled"),
    ("Green now", ("V14",), {"V14": "On track"}, ""),
    ("amber again, waiting on estates", ("V12",), {"V12": "At risk"}, "waiting on estates"),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_the_rating_stored_through_the_conversation(backend, request):
    check_stored_words(request.getfixturevalue(f"{backend}_engine"), "colour", CASES)
