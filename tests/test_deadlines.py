"""Every deadline written in the seed plans, read as a programme officer would read it.
Expected dates are worked out by hand (UK financial year: Q1 = April–June)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.deadlines import financial_quarter_end, parse_deadline

D = date

# Seed 000 (plan year 2019/2020: fy_start_year=2019).
SEED_000 = [
    ("Quarter 1", D(2019, 6, 30), "fixed"),
    ("Quarter 2", D(2019, 9, 30), "fixed"),
    ("Quarter 3", D(2019, 12, 31), "fixed"),
    ("Quarter 4", D(2020, 3, 31), "fixed"),
    ("Ongoing", None, "ongoing"),
]

# Seed 004: (as written, due now, kind, revision chain or None, sure)
SEED_004 = [
    ("April 2020", D(2020, 4, 30), "fixed", None, True),
    ("August 2020", D(2020, 8, 31), "fixed", None, True),
    ("By December 2019", D(2019, 12, 31), "fixed", None, True),
    ("By December 2020", D(2020, 12, 31), "fixed", None, True),
    (
        "By December 2020 Revised March 2022",
        D(2022, 3, 31),
        "fixed",
        [D(2020, 12, 31), D(2022, 3, 31)],
        True,
    ),
    (
        "By December 2020 Revised: August 2021",
        D(2021, 8, 31),
        "fixed",
        [D(2020, 12, 31), D(2021, 8, 31)],
        True,
    ),
    (
        "By December 2020 Revised: June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 12, 31), D(2021, 6, 30)],
        True,
    ),
    (
        "By December 2020 Revised: May 2021",
        D(2021, 5, 31),
        "fixed",
        [D(2020, 12, 31), D(2021, 5, 31)],
        True,
    ),
    ("By End March 2021", D(2021, 3, 31), "fixed", None, True),
    ("By July 2020", D(2020, 7, 31), "fixed", None, True),
    (
        "By July 2020 Revised: April 2021",
        D(2021, 4, 30),
        "fixed",
        [D(2020, 7, 31), D(2021, 4, 30)],
        True,
    ),
    ("By June 2021", D(2021, 6, 30), "fixed", None, True),
    ("By March 2020", D(2020, 3, 31), "fixed", None, True),
    (
        "By May / June 2020 Revised: June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 6, 30), D(2021, 6, 30)],
        True,
    ),
    ("By May 2020", D(2020, 5, 31), "fixed", None, True),
    (
        "By May 2020 Revised: April 2021",
        D(2021, 4, 30),
        "fixed",
        [D(2020, 5, 31), D(2021, 4, 30)],
        True,
    ),
    ("By May 2021", D(2021, 5, 31), "fixed", None, True),
    ("By September 2019", D(2019, 9, 30), "fixed", None, True),
    ("By September 2020", D(2020, 9, 30), "fixed", None, True),
    (
        "By September 2020 Revised 31 st March 2021",
        D(2021, 3, 31),
        "fixed",
        [D(2020, 9, 30), D(2021, 3, 31)],
        True,
    ),
    (
        "By September 2020 Revised – June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 9, 30), D(2021, 6, 30)],
        True,
    ),
    (
        "By September 2020 Revised: June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 9, 30), D(2021, 6, 30)],
        True,
    ),
    ("By end April 2021", D(2021, 4, 30), "fixed", None, True),
    ("By end June 2020", D(2020, 6, 30), "fixed", None, True),
    (
        "By end of March 2020 Revised end of March 2021",
        D(2021, 3, 31),
        "fixed",
        [D(2020, 3, 31), D(2021, 3, 31)],
        True,
    ),
    ("Complete by January 2020", D(2020, 1, 31), "fixed", None, True),
    ("Complete in December 2019", D(2019, 12, 31), "fixed", None, True),
    ("Complete in October / November 2019", D(2019, 11, 30), "range", None, True),
    # "June 20" after "December 2020": a typo a person must look at, never a silent guess.
    (
        "December 2020 Revised: June 20",
        D(2020, 6, 30),
        "fixed",
        [D(2020, 12, 31), D(2020, 6, 30)],
        False,
    ),
    (
        "December 2020 Revised: June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 12, 31), D(2021, 6, 30)],
        True,
    ),
    ("June 2021", D(2021, 6, 30), "fixed", None, True),
    ("June – September 2020", D(2020, 9, 30), "range", None, True),
    ("March 2022", D(2022, 3, 31), "fixed", None, True),
    ("October 2020", D(2020, 10, 31), "fixed", None, True),
    (
        "October 2020 Revised: June 2021",
        D(2021, 6, 30),
        "fixed",
        [D(2020, 10, 31), D(2021, 6, 30)],
        True,
    ),
    ("Ongoing", None, "ongoing", None, True),
]

# The PRODUCT.md table.
PRODUCT = [
    ("Q4 2020/21", D(2021, 3, 31), "fixed"),
    ("February 2016", D(2016, 2, 29), "fixed"),
    ("By end June 2020", D(2020, 6, 30), "fixed"),
    ("By May 2020", D(2020, 5, 31), "fixed"),
    ("April/May 2016", D(2016, 5, 31), "range"),
    ("Complete in October / November 2019", D(2019, 11, 30), "range"),
    ("June – September 2020", D(2020, 9, 30), "range"),
    ("March 2016 onwards", None, "ongoing"),
    ("Ongoing", None, "ongoing"),
    ("On-going", None, "ongoing"),
    ("By September 2020 Revised 31 st March 2021", D(2021, 3, 31), "fixed"),
    ("31/03/2021", D(2021, 3, 31), "fixed"),
]


@pytest.mark.parametrize(("text", "due", "kind"), SEED_000)
def test_seed_000(text, due, kind):
    d = parse_deadline(text, fy_start_year=2019)
    assert (d.due, d.kind, d.sure, d.text) == (due, kind, True, text)


@pytest.mark.parametrize(("text", "due", "kind", "chain", "sure"), SEED_004)
def test_seed_004(text, due, kind, chain, sure):
    d = parse_deadline(text)
    assert (d.due, d.kind, d.sure) == (due, kind, sure)
    assert [s.due for s in d.steps] == (chain or [due])
    assert d.text == text
    if not sure:
        assert "earlier than the original" in d.note


@pytest.mark.parametrize(("text", "due", "kind"), PRODUCT)
def test_product_table(text, due, kind):
    d = parse_deadline(text, fy_start_year=2019)
    assert (d.due, d.kind) == (due, kind)


def test_quarter_without_a_plan_year_is_not_guessed():
    d = parse_deadline("Quarter 2")
    assert d.due is None and not d.sure and "financial year" in d.note


def test_ranges_keep_their_start_and_may_cross_a_year():
    d = parse_deadline("November 2019 - January 2020")
    assert (d.start, d.due, d.kind) == (D(2019, 11, 1), D(2020, 1, 31), "range")
    assert parse_deadline("March 2016 onwards").start == D(2016, 3, 1)


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "TBC", "see note", "as agreed with the board", "To be confirmed", "31/02/2021"],
)
def test_unreadable_is_unknown_and_never_a_date(junk):
    d = parse_deadline(junk)
    assert d.due is None and d.kind == "unknown" and not d.sure and d.note


def test_non_april_financial_year():
    assert financial_quarter_end(1, 2020, fy_start_month=1) == D(2020, 3, 31)
    assert financial_quarter_end(4, 2019, fy_start_month=7) == D(2020, 6, 30)
    assert parse_deadline("Q2", fy_start_year=2020, fy_start_month=1).due == D(2020, 6, 30)
    assert parse_deadline("Q4 2019/20", fy_start_month=7).due == D(2020, 6, 30)


def test_yearless_dates_need_today_and_take_the_next_one():
    assert parse_deadline("end of June").due is None
    assert parse_deadline("end of June", today=D(2020, 7, 1)).due == D(2021, 6, 30)
    assert parse_deadline("end of June", today=D(2020, 6, 10)).due == D(2020, 6, 30)
    assert parse_deadline("Q3", today=D(2020, 1, 10)).due == D(2020, 12, 31)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("1st March 2021", D(2021, 3, 1)),
        ("2021-03-31", D(2021, 3, 31)),
        ("1 March 2021", D(2021, 3, 1)),
        ("31.03.21", D(2021, 3, 31)),
        ("Sept 2020", D(2020, 9, 30)),
        ("29 February 2020", D(2020, 2, 29)),
    ],
)
def test_explicit_days(text, due):
    d = parse_deadline(text)
    assert (d.due, d.kind, d.sure) == (due, "fixed", True)


def test_two_digit_year_is_flagged():
    d = parse_deadline("June 21")
    assert d.due == D(2021, 6, 30) and not d.sure and "two-digit" in d.note


# Deadlines as spreadsheets and programme offices write them (issue 7), plan year 2019/20:
# (as written, due now, kind, sure, revision chain or None)
AS_WRITTEN = [
    ("Jul-19", D(2019, 7, 31), "fixed", True, None),  # Excel's mmm-yy
    ("Mar-20", D(2020, 3, 31), "fixed", True, None),
    ("Sept 20", D(2020, 9, 30), "fixed", False, None),  # two-digit year: read, flagged
    ("Q3 19/20", D(2019, 12, 31), "fixed", True, None),
    ("Q1 2020/21", D(2020, 6, 30), "fixed", True, None),
    ("w/c 3 Feb", D(2020, 2, 7), "fixed", False, None),  # Friday of that week, plan's year
    ("w/c 3 Feb 2020", D(2020, 2, 7), "fixed", True, None),
    ("week commencing 10/02/2020", D(2020, 2, 14), "fixed", True, None),
    ("end Q4", D(2020, 3, 31), "fixed", True, None),
    (
        "31st March 2021 (revised from 30th September 2020)",
        D(2021, 3, 31),
        "fixed",
        True,
        [D(2020, 9, 30), D(2021, 3, 31)],
    ),
    ("March 2021 (was Sept 2020)", D(2021, 3, 31), "fixed", True, [D(2020, 9, 30), D(2021, 3, 31)]),
    ("TBC", None, "unknown", False, [None]),
]


@pytest.mark.parametrize(("text", "due", "kind", "sure", "chain"), AS_WRITTEN)
def test_as_written(text, due, kind, sure, chain):
    d = parse_deadline(text, fy_start_year=2019)
    assert (d.due, d.kind, d.sure) == (due, kind, sure)
    assert [s.due for s in d.steps] == (chain or [due])
    assert d.text == text
    if not sure:
        assert d.note  # flagged for the administrator, never silently invented


def test_yearless_day_in_conversation_is_the_next_one():
    # dateparser would read "31st January" against the wall clock; today is injected.
    assert parse_deadline("31st January", today=D(2020, 1, 10)).due == D(2020, 1, 31)
    assert parse_deadline("3 Feb", today=D(2020, 3, 1)).due == D(2021, 2, 3)


def test_a_date_missing_its_month_or_year_is_completed_from_the_injected_today():
    """dateparser fills what a date leaves out from its base: that base is the injected
    today, never the machine's clock (a reply of January 2020 read "the 12th" as December
    2026 before). In chat a bare day is asked about; "March 12th" is 12 March."""
    from bot.core.chat_dates import read_when

    today = date(2020, 1, 10)
    assert parse_deadline("12th", fy_start_year=2019, today=today).due == date(2020, 1, 12)
    assert read_when("the 12th", today=today, fy_start_year=2019) is None
    assert read_when("on the 3rd", today=today, fy_start_year=2019) is None
    assert read_when("March 12th", today=today, fy_start_year=2019) == date(2020, 3, 12)
    assert read_when("Oct 3", today=today, fy_start_year=2019) == date(2020, 10, 3)
    assert read_when("March 12, 2021", today=today, fy_start_year=2019) == date(2021, 3, 12)
