"""The HTML board report in a real browser: Debian's Chromium, driven by Playwright's Python
package (its own browser download is never used). Checks the themes, actions and counts the
page shows, that no cell's text is cut, that it reads on a phone, and that it prints to an
A4-landscape PDF with every action whole on a page (poppler reads the PDF back)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from bot.core.report import report_from_store
from bot.io.plan_import import import_plan
from bot.io.report_writers import write_report
from storage.engine import read_session
from storage.queries import get_plan

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
# A4 landscape less the report's 10 mm @page margins, in CSS pixels (96 per inch).
PRINT_W = round((297 - 20) / 25.4 * 96)
PRINT_H = round((210 - 20) / 25.4 * 96)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not shutil.which("pdftotext"),
    reason="needs Debian's chromium and poppler-utils (./dev test installs them)",
)


def norm(text: str) -> str:
    return " ".join(text.split())


def _letters(text: str) -> str:
    return re.sub(r"[\s\-\u00ad]+", "", text)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"],
        )  # fmt: skip
        yield b
        b.close()


@pytest.fixture(params=["seed000", "seed004"])
def html_report(request, sqlite_engine, tmp_path):
    name = request.param
    when, as_at = {
        "seed000": (datetime(2019, 11, 1, 9, tzinfo=UTC), date(2019, 11, 30)),
        "seed004": (datetime(2021, 4, 1, 9, tzinfo=UTC), date(2021, 4, 30)),
    }[name]
    ext = "csv" if name == "seed000" else "docx"
    import_plan(sqlite_engine, FixedClock(when), PLANS / f"{name}.{ext}", plan_name=name)
    with read_session(sqlite_engine) as s:
        plan_id = get_plan(s, name).id
    report = report_from_store(sqlite_engine, plan_id, as_at=as_at, extras=frozenset({"status"}))
    return report, write_report(report, "html", tmp_path / f"{name}.html")


def test_html_report_in_chromium(browser, html_report, tmp_path):
    report, path = html_report
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        ("file:", "data:")) else route.continue_())  # fmt: skip  # self-contained: no fetches
    page.goto(path.as_uri())
    assert page.title() == report.title
    assert page.locator("h1").inner_text() == report.title
    assert page.locator(".chart img").evaluate("img => img.complete && img.naturalWidth") > 300
    # Themes and actions, in order: under heading rows where the plan names its themes in
    # headings (seed 004), in the plan's own Theme column where it has one (seed 000).
    themes = page.locator("table.plan tbody").evaluate_all("bs => bs.map(b => b.dataset.theme)")
    assert themes == [t.name for t in report.themes]
    headings = page.locator("tr.theme").evaluate_all("rs => rs.map(r => r.innerText)")
    has_column = any(c.field == "theme" for c in report.columns)
    assert [norm(h) for h in headings] == ([] if has_column else [t.heading for t in report.themes])
    per_theme = page.locator("table.plan tbody").evaluate_all(
        "bs => bs.map(b => b.querySelectorAll('tr.action').length)"
    )
    assert per_theme == [len(t.rows) for t in report.themes]
    shown = page.locator("tr.action td.action").all_inner_texts()
    assert [norm(t) for t in shown] == [norm(r.cells[[c.field for c in report.columns].index(
        "action")]) for r in report.rows]  # fmt: skip
    statuses = page.locator("tr.action td.status").all_inner_texts()
    assert statuses == [r.status_label for r in report.rows]
    # The summary's counts, per theme and overall, as the browser shows them.
    for name, counts, total, overdue, slipped in report.summary_rows():
        row = page.locator(f"#summary tr[data-theme='{name}']")
        got = row.locator("td[data-status]").evaluate_all(
            "ts => Object.fromEntries(ts.map(t => [t.dataset.status, +t.innerText]))"
        )
        assert got == {
            **{s: counts.get(s, 0) for s in report.statuses},
            "total": total,
            "overdue": overdue,
            "slipped": slipped,
        }
    assert (
        page.evaluate(
            "() => [...document.querySelectorAll('td, th')]"
            ".filter(c => c.scrollWidth > c.clientWidth + 1).length"
        )
        == 0
    ), "a cell's text is cut"
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    # A phone: one card per action, nothing wider than the screen.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(path.as_uri())
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert phone.locator("table.plan thead").evaluate("h => getComputedStyle(h).display") == "none"
    label = phone.locator("tr.action td.status").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert label == '"Status"'

    # Print: A4 landscape; every action fits on a page, so none is split or cut.
    printer = browser.new_page(viewport={"width": PRINT_W, "height": PRINT_H})
    printer.goto(path.as_uri())
    printer.emulate_media(media="print")
    heights = printer.locator("tr.action").evaluate_all(
        "rs => rs.map(r => r.getBoundingClientRect().height)"
    )
    assert len(heights) == report.total and max(heights) < PRINT_H
    pdf = tmp_path / "report.pdf"
    printer.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(w - 841.9) < 1 and abs(h - 595.3) < 1, info  # A4 landscape, in points
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert report.title in norm(text)
    # Lines break at spaces and hyphens ("co-|produced" reads back as "coproduced").
    flat = _letters(text)
    for r in report.rows:
        action = r.cells[[c.field for c in report.columns].index("action")]
        assert _letters(action) in flat, action
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("page-*.png")) == ["page-1.png", "page-2.png"]
