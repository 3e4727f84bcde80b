"""The board report's writers by format, and the two calls that use them: ``render`` (a Report
to bytes) and ``write_report`` (to a file, swapped into place whole: never half-written).

The writers (report_csv/xlsx/docx/html.py) use what they share from report_layout.py; this
registry sits above them all, so no writer and no part of the layout imports back up."""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.core.report import Report
from bot.io.report_layout import FORMATS, ReportError, default_name

# Format -> (writer module, its function). A writer is imported when its format is first
# asked for: openpyxl and python-docx take a few tenths of a second to import, and a bot that
# never writes a report should not pay for them at start-up.
WRITERS: dict[str, tuple[str, str]] = {
    "xlsx": ("bot.io.report_xlsx", "render_xlsx"),
    "docx": ("bot.io.report_docx", "render_docx"),
    "html": ("bot.io.report_html", "render_html"),
    "csv": ("bot.io.report_csv", "render_csv"),
}
assert tuple(WRITERS) == FORMATS  # one writer for every format the layout offers


def writer_for(fmt: str) -> Callable[[Report], bytes]:
    try:
        module, function = WRITERS[fmt]
    except KeyError:
        raise ReportError(
            f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}"
        ) from None
    return getattr(importlib.import_module(module), function)


def start_dir() -> Path:
    """The folder the user started the command in: ./dev changes into the checkout, so it
    passes the folder it was started from in PROGRESSBOT_START_DIR."""
    started = os.environ.get("PROGRESSBOT_START_DIR")
    if started and Path(started).is_dir():
        return Path(started)
    return Path.cwd()


def render(report: Report, fmt: str) -> bytes:
    return writer_for(fmt)(report)


def write_report(report: Report, fmt: str, out: str | Path) -> Path:
    """Render, then swap the finished file into place: never a half-written report. A
    relative ``out`` is in the folder the command was started in; returns the full path."""
    out = Path(out)
    if not out.is_absolute():
        out = start_dir() / out
    if out.is_dir():
        out = out / default_name(report, fmt)
    data = render(report, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out.resolve()
