"""Build the plan-import fixtures from the real plans in the shared seeds.

    .venv/bin/python tests/make_fixtures.py [SEEDS_DIR]

SEEDS_DIR defaults to ../shared/seeds next to the repository. Writes:

- tests/fixtures/plans/seed000.csv / .xlsx — seed 000's table exactly as extracted: title
  rows, a header repeated on every page, cells split across pages, HTML in cells.
- tests/fixtures/plans/seed004.csv / .xlsx / .docx — seed 004's three priorities' action
  tables, one page-chunk per table, with each priority's heading before its first table.
- tests/fixtures/plans/seed002.csv / .xlsx — seed 002's OD timeline (lines ~361-389):
  Process/Task, OD Theme, Category, Lead and one column a month (Oct-18 … Apr-20) holding
  milestones, with the "GNs and MNs OD Timeline - Phase N" section rows.
- tests/fixtures/bad/* — files every one of which must be refused with its own message.
- bot/data/sample_plan.csv and sample_people.csv — the console's bundled sample plan.
- tests/fixtures/plans/seed000_dotted_rag.csv / .xlsx — the sample plan with references
  written "G1.", a RAG column holding each status, and no status words in the progress text.

The built files are committed; rebuilding gives the same bytes (zip timestamps are fixed).
"""

from __future__ import annotations

import csv
import html
import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLANS = ROOT / "tests" / "fixtures" / "plans"
BAD = ROOT / "tests" / "fixtures" / "bad"
DATA = ROOT / "bot" / "data"
FIXED_TIME = datetime(2021, 4, 1, 9, 0, 0)

SEED004_TITLE = "Our Organisational Development Strategy and Plan 2019- 2022"
_PRIORITY = re.compile(r"^(?:\d+\.\s+)?Priority (?:One|Two|Three)\b")


def seed_file(seeds: Path, prefix: str) -> Path:
    matches = sorted(seeds.glob(f"{prefix}_*.txt"))
    if not matches:
        raise SystemExit(f"no seed {prefix}_*.txt in {seeds}")
    return matches[0]


# ---- writers ----------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8-sig" if bom else "utf-8")


def write_xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row if row else [None])
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.save(path)
    fix_zip_times(path)


def fix_zip_times(path: Path) -> None:
    """Rewrite a zip with fixed entry times, so a rebuild does not change committed bytes."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-04-01T09:00:00Z", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zf.writestr(fixed, data)


def html_paragraphs(raw: str) -> list[str]:
    """A cell's HTML as the paragraphs a Word cell would hold ("• " bullets as lines)."""
    text = re.sub(r"<br\s*/?>|</?(?:p|ul|ol|li)\b[^>]*>", "\n", raw)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"\s+•\s+", "\n• ", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return [line for line in lines if line] or [""]


# ---- seed 000 ---------------------------------------------------------------------------


def seed000_rows(seed: Path) -> list[list[str]]:
    """Every line of the seed, tabs as cells, blank lines kept (so CSV line = seed line)."""
    text = seed.read_text(encoding="utf-8")
    return [line.split("\t") if line.strip() else [] for line in text.splitlines()]


# ---- seed 004 ---------------------------------------------------------------------------


def seed004_chunks(seed: Path) -> list[dict]:
    """The action tables, one per page-chunk: {"heading", "lead_in", "header", "rows"}.

    The body starts at the (tab-less) "3. Priority One: …" heading and ends at
    "5. Conclusion"; a priority's heading and the sentence just above its first table are
    kept, the rest of the prose is not."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith("3. Priority One") and "\t" not in line
    )
    chunks: list[dict] = []
    heading = None
    last_prose = None
    for line in lines[start:]:
        if line.startswith("5. Conclusion"):
            break
        if not line.strip():
            continue
        if "\t" not in line:
            if _PRIORITY.match(line):
                heading = line.strip()
            else:
                last_prose = line.strip()
            continue
        cells = line.split("\t")
        if cells[0] == "Action":
            chunks.append(
                {
                    "heading": heading,
                    "lead_in": last_prose if heading else None,
                    "header": cells,
                    "rows": [],
                }
            )
            heading = last_prose = None
        else:
            chunks[-1]["rows"].append(cells)
    return chunks


def seed004_rows(chunks: list[dict]) -> list[list[str]]:
    """One grid: title, then per priority a heading row and its lead-in sentence, then its
    tables, a blank row and the repeated header at every page break."""
    rows: list[list[str]] = [[SEED004_TITLE], []]
    for chunk in chunks:
        if chunk["heading"]:
            if len(rows) > 2:
                rows.append([])
            rows.append([chunk["heading"]])
            if chunk["lead_in"]:
                rows.append([chunk["lead_in"]])
        else:
            rows.append([])
        rows.append(chunk["header"])
        rows.extend(chunk["rows"])
    return rows


def write_seed004_docx(path: Path, chunks: list[dict]) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    document.add_heading(SEED004_TITLE, level=0)
    for chunk in chunks:
        if chunk["heading"]:
            document.add_heading(chunk["heading"], level=1)
            if chunk["lead_in"]:
                document.add_paragraph(chunk["lead_in"])
        else:
            # The table broke across a page: Word shows the header again on the next page.
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        table = document.add_table(rows=0, cols=len(chunk["header"]))
        table.style = "Table Grid"
        for cells in [chunk["header"], *chunk["rows"]]:
            row = table.add_row()
            for cell, raw in zip(row.cells, cells, strict=False):
                paragraphs = html_paragraphs(raw)
                cell.paragraphs[0].text = paragraphs[0]
                for extra in paragraphs[1:]:
                    cell.add_paragraph(extra)
    document.save(path)
    fix_zip_times(path)


# ---- seed 002 ---------------------------------------------------------------------------

SEED002_TITLE = "OD Timeline"  # the page title the seed repeats above its second chunk


def seed002_rows(seed: Path) -> list[list[str]]:
    """The OD timeline table. The seed's first header row names the phases over merged
    month cells and its second ("GNs and MNs OD Timeline - Phase 1" + Oct-18 … Apr-20)
    the months: the fixture has one header row (the four columns and the months, as a
    spreadsheet would) and the phase rows as section rows. Month cells stay where the
    seed has them; stray "_" marks are blank."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Process/Task\t"))
    head = lines[start].split("\t")[:4]
    months_line = lines[start + 1].split("\t")
    months = [m for m in months_line[4:] if m.strip()]
    width = 4 + len(months)
    rows: list[list[str]] = [[SEED002_TITLE], [], head + months]
    rows.append([months_line[0]])  # "GNs and MNs OD Timeline - Phase 1"
    for line in lines[start + 2 :]:
        cells = [c.strip() for c in line.split("\t")]
        if not any(cells):
            continue
        if cells[0] == "OD Timeline":
            continue  # the page title repeated over the second chunk
        if not any(cells[1:]):
            if not cells[0].startswith("GNs and MNs"):
                break  # past the table (the seed's unreadable tail)
            rows.append([cells[0]])
            continue
        cells = ["" if c == "_" else c for c in cells[:width]]
        rows.append(cells + [""] * (width - len(cells)))
        if cells[0].startswith("Performance Reporting Process Design"):
            break
    return rows


# ---- the bundled sample plan -----------------------------------------------------------

SAMPLE_PEOPLE = [
    ("Sam Okafor", "sam.okafor@example.org", "Chief Officer"),
    ("Priya Raman", "priya.raman@example.org", "Director of Corporate Affairs"),
    ("Tom Hughes", "tom.hughes@example.org", "Head of Workforce"),
    ("Grace Whitfield", "grace.whitfield@example.org", "Chief Finance Officer"),
    ("Alan Price", "alan.price@example.org", "Director of Nursing and Quality"),
    ("Helen Marsh", "helen.marsh@example.org", "Assistant Clinical Chair"),
]

# The seed names no owners; these give each action a plausible role, first match wins.
_OWNER_RULES = [
    (r"control total|financ|business support|alignment of resources", "Chief Finance Officer"),
    (r"hospital|merger|judicial|quality", "Director of Nursing and Quality"),
    (r"primary care|localities|clinical", "Assistant Clinical Chair"),
    (r"long term plan", "Chief Officer / Director of Corporate Affairs"),
    (
        r"governing body|board to board|stakeholder|communications framework|councils",
        "Director of Corporate Affairs",
    ),
    (
        r"staff|appraisal|training|hr policies|wellbeing|recognition|10%ers|matrix|meetings",
        "Head of Workforce",
    ),
]


def sample_owner(action: str) -> str:
    for pattern, owner in _OWNER_RULES:
        if re.search(pattern, action, re.I):
            return owner
    return "Chief Officer"


def sample_plan_rows(seed000: Path) -> list[list[str]]:
    from bot.io.plan_reader import read_plan

    table = read_plan(seed000)
    counters: dict[str, int] = {}
    rows = [
        [
            "Ref",
            "Theme",
            "Culture Theme",
            "Objective",
            "Action",
            "Deadline",
            "Owner",
            "Update on Progress",
        ]
    ]
    for row in table.rows:
        letter = row.theme[:1].upper()
        counters[letter] = counters.get(letter, 0) + 1
        rows.append(
            [
                f"{letter}{counters[letter]}",
                row.theme,
                ", ".join(row.theme_tags),
                row.objective,
                row.action,
                row.deadline_text,
                sample_owner(row.action),
                row.progress_text,
            ]
        )
    return rows


# Seed 000's statuses as BRAG colours, for a plan that keeps its status in a RAG column.
_BRAG = {
    "completed": "Blue",
    "on track": "Green",
    "ongoing": "Green",
    "pending": "Amber",
    "developing": "Amber",
    "delayed": "Red",
}
_LEADING_WORD = re.compile(
    r"^(Completed|On track|Ongoing|Pending|Developing|Delayed)\s*[:\-–]\s*", re.I
)


def dotted_rag_rows(sample_rows: list[list[str]]) -> list[list[str]]:
    """The sample plan as many programme offices keep it: references written "G1.", a RAG
    column holding the status, and the status word taken out of the progress text."""
    out = [
        ["Ref.", "Theme", "Objective", "Action", "Deadline", "Owner", "RAG", "Update on Progress"]
    ]
    for ref, theme, _tags, objective, action, deadline, owner, progress in sample_rows[1:]:
        m = _LEADING_WORD.match(progress)
        rag = _BRAG[m.group(1).lower()] if m else ""
        out.append(
            [
                f"{ref}.",
                theme,
                objective,
                action,
                deadline,
                owner,
                rag,
                progress[m.end() :] if m else progress,
            ]
        )
    return out


# ---- bad files --------------------------------------------------------------------------


def build_bad(seed004_xlsx: Path) -> None:
    BAD.mkdir(parents=True, exist_ok=True)
    for old in BAD.iterdir():
        old.unlink()

    def text(name: str, content: str) -> None:
        (BAD / name).write_text(content, encoding="utf-8", newline="")

    (BAD / "empty.csv").write_bytes(b"")
    text("no_header.csv", "Quarterly notes\nsome,words,here\nmore,words,there\n")
    text("no_action_column.csv", "Theme,Deadline,Owner\nGovernance,Quarter 2,Chief Officer\n")
    text("header_only.csv", "Ref,Action,Deadline,Owner\n\n\n")
    text("text_named.xlsx", "Action,Deadline\nRun the workshop,Quarter 2\n")
    text("text_named.docx", "Action\tDeadline\nRun the workshop\tQuarter 2\n")
    with zipfile.ZipFile(BAD / "zip_not_workbook.xlsx", "w") as zf:
        zf.writestr(zipfile.ZipInfo("notes.txt", FIXED_TIME.timetuple()[:6]), "not a workbook")
    (BAD / "workbook_named.csv").write_bytes(seed004_xlsx.read_bytes())
    (BAD / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    # Undefined in Windows-1252 (0x81, 0x8d, 0x8f, 0x90, 0x9d) and invalid as UTF-8.
    (BAD / "garbage_encoding.csv").write_bytes(
        b"Action,Deadline\nRun the \x81\x8d workshop,Q\x8f2\n\x90\x9d,\xff\n"
    )
    text(
        "missing_action.csv",
        "Ref,Action,Deadline,Owner\nL1,Run the workshop,Quarter 2,Chief Officer\n"
        "L2,Book the rooms,Quarter 3,Head of Workforce\nL3,,Quarter 4,Chief Officer\n",
    )
    text(
        "duplicate_reference.csv",
        "Ref,Action,Deadline,Owner\nL4,Run the workshop,Quarter 2,Chief Officer\n"
        "L5,Book the rooms,Quarter 3,Head of Workforce\nL4,Write the report,Quarter 4,Chief Officer\n",
    )
    text(
        "bad_quoting.csv",
        'Action,Deadline,Owner\n"Run the workshop",Quarter 2,Chief Officer\n'
        '"Book the "big" rooms" now,Quarter 3,Head of Workforce\n',
    )
    text(
        "huge_cell.csv",
        "Action,Deadline,Owner,Update on Progress\n"
        f"Run the workshop,Quarter 2,Chief Officer,On track: {'words ' * 2000}\n",
    )
    # The row limit is checked before anything else, so identical rows keep the file small.
    text("too_many_rows.csv", "Action\n" + "x\n" * 20_001)
    text("two_action_columns.csv", "Action,Actions,Deadline\nRun it,Run it well,Quarter 2\n")
    (BAD / "plan.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    # An encrypted Office file is an OLE compound file, not a zip: same first bytes.
    (BAD / "password_protected.xlsx").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + b"\x3e\x00\x03\x00\xfe\xff"
        + b"\x00" * 490
    )
    whole = seed004_xlsx.read_bytes()
    (BAD / "truncated.xlsx").write_bytes(whole[: len(whole) // 2])
    _bad_workbook_no_data(BAD / "empty_sheets.xlsx")
    _bad_docx_no_tables(BAD / "no_tables.docx")
    _bad_docx_no_header(BAD / "no_header_table.docx")


def _bad_workbook_no_data(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Plan"
    wb.create_sheet("Notes")
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.save(path)
    fix_zip_times(path)


def _bad_docx_no_tables(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    document.add_heading("Organisational Development Plan", level=0)
    document.add_paragraph("Action: run the workshop. Deadline: Quarter 2. Owner: Chief Officer.")
    document.save(path)
    fix_zip_times(path)


def _bad_docx_no_header(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    document.add_paragraph("Contacts")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Sam Okafor", "sam.okafor@example.org"
    table.cell(1, 0).text, table.cell(1, 1).text = "Tom Hughes", "tom.hughes@example.org"
    document.save(path)
    fix_zip_times(path)


# ---- main -------------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    seeds = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "seeds"
    seed000, seed004 = seed_file(seeds, "000"), seed_file(seeds, "004")
    seed002 = seed_file(seeds, "002")
    PLANS.mkdir(parents=True, exist_ok=True)
    DATA.mkdir(parents=True, exist_ok=True)

    rows000 = seed000_rows(seed000)
    write_csv(PLANS / "seed000.csv", rows000, bom=True)  # Excel writes a BOM: read it
    write_xlsx(PLANS / "seed000.xlsx", {"OD plan": rows000})

    chunks = seed004_chunks(seed004)
    rows004 = seed004_rows(chunks)
    write_csv(PLANS / "seed004.csv", rows004)
    write_xlsx(PLANS / "seed004.xlsx", {"Action plan": rows004})
    write_seed004_docx(PLANS / "seed004.docx", chunks)

    rows002 = seed002_rows(seed002)
    write_csv(PLANS / "seed002.csv", rows002)
    write_xlsx(PLANS / "seed002.xlsx", {"OD timeline": rows002})

    sample = sample_plan_rows(seed000)
    write_csv(DATA / "sample_plan.csv", sample)
    dotted = dotted_rag_rows(sample)
    write_csv(PLANS / "seed000_dotted_rag.csv", dotted)
    write_xlsx(PLANS / "seed000_dotted_rag.xlsx", {"Plan": dotted})
    write_csv(DATA / "sample_people.csv", [["name", "email", "role"], *map(list, SAMPLE_PEOPLE)])

    build_bad(PLANS / "seed004.xlsx")
    print(f"wrote fixtures to {PLANS}, {BAD} and {DATA}")


if __name__ == "__main__":
    main(sys.argv)
