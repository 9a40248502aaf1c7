"""Build `abatacept_pilot_two_column.pdf`: a two-column paper laid out the way journals print them.

Written here (text and layout are ours), so it can be shipped. It carries every
PDF hazard the ingest must survive: a running header and page numbers, line
numbers in the margins, superscript reference and affiliation markers, bold
section headings, a run-in bold heading, a figure whose labels are loose words,
a caption in small type, and a reference list. Re-run to rebuild:

    python scripts/build_sample_pdf.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ingest.pdf_fixture import pdf_bytes  # noqa: E402 (the same PDF writer as the loader tests; run from anywhere)

OUT = Path(__file__).resolve().parents[1] / "data" / "sample" / "pages" / "abatacept_pilot_two_column.pdf"
BODY, LEADING, WIDTH = 9.5, 12.0, 47  # points, points, characters per column line
COLUMNS = (54, 318)
TOP, BOTTOM = 700, 70

TITLE = "Abatacept for relapsing IgG4-related disease: an open-label pilot study"
AUTHORS = "Ruth A. Lindqvist^{1}, Tomasz Wójcik^{2}, Hana Kobayashi^{1,3}"
AFFILIATIONS = [
    "^{1}Department of Rheumatology, Eastgate University Hospital, Gothenburg, Sweden",
    "^{2}Institute of Immunology, Vistula Medical University, Warsaw, Poland",
    "^{3}Correspondence: h.kobayashi@example.org",
]
SECTIONS = [
    ("Abstract", [
        "Background. Many patients with IgG4-related disease relapse when glucocorticoids are tapered. Abatacept, a "
        "fusion protein of CTLA-4 and the Fc portion of IgG1, blocks the CD80 and CD86 co-stimulatory signals that T "
        "cells need to become activated.^{1,2} We asked whether abatacept could control relapsing disease.",
        "Methods. Ten adults with relapsing IgG4-related disease received abatacept 125 mg subcutaneously once a week "
        "for 24 weeks. Glucocorticoids were tapered to zero by week 8.",
        "Results. Seven of the ten patients had a disease response at week 12. Three patients were in remission at "
        "week 24 without glucocorticoids. Serum IgG4 fell by a median of 38% by week 24.",
    ]),
    ("Introduction", [
        "IgG4-related disease is a fibroinflammatory condition in which activated CD4-positive cytotoxic T "
        "lymphocytes and T follicular helper cells accumulate in affected organs.^{3} Because both populations depend "
        "on co-stimulation through CD28, blocking CD80 and CD86 might reduce their activation and the fibrosis they "
        "promote.^{4,5}",
        "Glucocorticoids remain the first-line treatment, but relapse occurs in about half of patients within three "
        "years of stopping them.^{6} Abatacept is licensed for rheumatoid arthritis and has a favourable safety record "
        "in older adults.",
    ]),
    ("Methods", [
        "Study design. This was a single-centre, open-label, single-arm pilot study. Eligible patients had relapsed at "
        "least once during a glucocorticoid taper and had an IgG4-RD Responder Index of 3 or more.",
        "The primary outcome was a decline of at least 2 points in the IgG4-RD Responder Index at week 12. Secondary "
        "outcomes were glucocorticoid-free remission at week 24, the change in serum IgG4, and adverse events.",
    ]),
    ("Results", [
        "The ten patients had a median age of 63 years, and eight were men. The pancreas, salivary glands and "
        "retroperitoneum were the organs most often involved.",
        "Seven of the ten patients had a disease response at week 12. Three patients were in glucocorticoid-free "
        "remission at week 24. Two patients relapsed after week 16 and were treated with rituximab. Serum IgG4 fell "
        "by a median of 38% by week 24, and circulating plasmablasts fell in the responders.",
        "FIGURE",
        "No serious infections occurred. One patient had an injection-site reaction that resolved without stopping "
        "treatment.",
    ]),
    ("Discussion", [
        "Abatacept controlled relapsing IgG4-related disease in most patients of this small pilot study, and three "
        "patients needed no glucocorticoids at week 24. The response was less durable than after B-cell depletion, "
        "and relapses after treatment ended suggest that continued co-stimulation blockade would be needed.^{7}",
        "Larger controlled trials should compare abatacept with rituximab and test whether combining the two "
        "strategies prolongs remission.",
    ]),
    ("References", [
        "1. Lindqvist RA, Wojcik T. Co-stimulation in fibrosis. Immunol Pilot Stud. 2023;1:12-19.",
        "2. Kobayashi H, et al. CTLA-4 and T-cell activation. Rheum Notes. 2022;4(2):33-40.",
        "3. Wojcik T, et al. Cytotoxic T cells in IgG4-RD. Immunol Pilot Stud. 2024;2:101-110.",
    ]),
]
FIGURE_LABELS = [("Baseline", 0), ("Week 12", 60), ("Week 24", 120), ("IgG4 (mg/dL)", -30)]
CAPTION = "Figure 1: Serum IgG4 in the ten patients at baseline, week 12 and week 24."


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsi (Latin-1 here) for the standard fonts."""
    return "(" + _escape(text).encode("latin-1", "replace").decode("latin-1") + ")"


def _runs(line: str, font: str, size: float) -> str:
    """Text operators for a line, with ^{...} raised in small type (a superscript marker)."""
    ops = []
    for part in re.split(r"(\^\{[^}]*\})", line):
        if part.startswith("^{"):
            ops.append(f"/F1 {size * 0.62:.1f} Tf {size * 0.38:.1f} Ts {_pdf_string(part[2:-1])} Tj 0 Ts /{font} {size} Tf")
        elif part:
            ops.append(f"{_pdf_string(part)} Tj")
    return f"/{font} {size} Tf " + " ".join(ops)


def _visible(text: str) -> str:
    return re.sub(r"\^\{[^}]*\}", "", text)


def _wrap(paragraph: str) -> list[str]:
    """Wrap by visible width; markers stay glued to the word before them."""
    words = paragraph.split()
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(_visible(candidate)) > WIDTH and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def build() -> bytes:
    pages: list[list[str]] = [[]]
    page_no = 1
    col = 0
    y = TOP
    line_no = 0

    def emit(op: str) -> None:
        pages[-1].append(op)

    def new_column() -> None:
        nonlocal col, y, page_no
        if col == 0:
            col, y = 1, TOP if page_no > 1 else 560
        else:
            pages.append([])
            page_no += 1
            col, y = 0, TOP

    def text_line(line: str, font: str = "F1", size: float = BODY, x_offset: float = 0.0) -> None:
        nonlocal y, line_no
        if y < BOTTOM:
            new_column()
        x = COLUMNS[col] + x_offset
        emit(f"BT 1 0 0 1 {x} {y} Tm {_runs(line, font, size)} ET")
        line_no += 1
        margin_x = 34 if col == 0 else 564
        emit(f"BT /F1 6 Tf 1 0 0 1 {margin_x} {y} Tm ({line_no}) Tj ET")  # manuscript line numbers
        y -= LEADING if size <= BODY else size + 4

    # front matter across both columns
    emit(f"BT 1 0 0 1 54 720 Tm {_runs(TITLE, 'F2', 16)} ET")
    emit(f"BT 1 0 0 1 54 690 Tm {_runs(AUTHORS, 'F1', 10.5)} ET")
    for i, aff in enumerate(AFFILIATIONS):
        emit(f"BT 1 0 0 1 54 {670 - 11 * i} Tm {_runs(aff, 'F1', 8)} ET")
    y = 620
    for heading, paragraphs in SECTIONS:
        if y < BOTTOM + 40:
            new_column()
        y -= 6
        text_line(heading, "F2", 11)
        for paragraph in paragraphs:
            if paragraph == "FIGURE":
                if y < 190:
                    new_column()
                base_x = COLUMNS[col] + 20
                for label, dx in FIGURE_LABELS:
                    emit(f"BT /F1 7 Tf 1 0 0 1 {base_x + max(dx, 0)} {y - 60 - (20 if dx < 0 else 0)} Tm ({label}) Tj ET")
                emit(f"{COLUMNS[col] + 10} {y - 100} 220 90 re S")
                y -= 112
                for cap_line in _wrap(CAPTION)[:3]:
                    emit(f"BT 1 0 0 1 {COLUMNS[col]} {y} Tm {_runs(cap_line, 'F1', 8)} ET")
                    y -= 10
                y -= 6
                continue
            run_in = re.match(r"^(Background|Methods|Results|Study design)\. ", paragraph)
            lines = _wrap(paragraph)
            for i, line in enumerate(lines):
                if i == 0 and run_in:
                    head = run_in.group(0).strip()
                    rest = line[len(run_in.group(0)):]
                    x = COLUMNS[col] + 10
                    if y < BOTTOM:
                        new_column()
                        x = COLUMNS[col] + 10
                    emit(f"BT 1 0 0 1 {x} {y} Tm {_runs(head, 'F2', BODY)} {_runs(' ' + rest, 'F1', BODY)} ET")
                    line_no += 1
                    y -= LEADING
                    continue
                text_line(line, x_offset=10 if i == 0 else 0)
            y -= 3
    # running header and page numbers on every page
    for n, ops in enumerate(pages, 1):
        ops.append("BT /F1 7.5 Tf 1 0 0 1 54 760 Tm (Immunol Pilot Stud 2025;3:41-44  |  Lindqvist et al.) Tj ET")
        ops.append(f"BT /F1 8 Tf 1 0 0 1 300 40 Tm ({n}) Tj ET")
    return _write(pages)


def _write(pages: list[list[str]]) -> bytes:
    objects: list[bytes] = []
    n = len(pages)
    font1, font2 = 3 + 2 * n, 4 + 2 * n
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    for i, ops in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font1} 0 R /F2 {font2} 0 R >> >> >>".encode()
        )
        body = "\n".join(ops).encode("latin-1", "replace")
        objects.append(f"<< /Length {len(body)} >>\nstream\n".encode() + body + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    return pdf_bytes(objects)


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
