"""
Render the fault matrix and the bad-input table of ``docs/reliability.md`` from the test tables.

``test_reliability_doc.py`` fails when the document differs from what this module renders, so the
published tables cannot drift from the tests. After changing a table, rewrite the document with::

    python -m tests.reliability.doc_tables
"""

from __future__ import annotations

import re
import sys

from tests.dag_runner import REPO_ROOT
from tests.reliability.bad_input_cases import BAD_INPUTS
from tests.reliability.fault_cases import FAULT_CASES, NOT_APPLICABLE

DOC = REPO_ROOT / "docs" / "reliability.md"
SECTIONS = ("fault-matrix", "bad-inputs")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_fault_matrix() -> str:
    lines = [
        "| Side | Fault | Request | Outcome | Logins | Requests received | Processed | Retry pauses | Error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in FAULT_CASES:
        if case.outcome == NOT_APPLICABLE:
            counts = ["-"] * 4
        else:
            counts = [str(case.logins), str(case.requests), str(case.processed), str(case.retries)]
        error = f"`{case.error}`: {case.message}" if case.error else ""
        cells = [case.side, case.fault_label, case.request, case.outcome, *counts, error]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def render_bad_inputs() -> str:
    lines = ["| Area | Input | What the user gets |", "|---|---|---|"]
    for case in BAD_INPUTS:
        if case.error:
            outcome = f"`{case.error}`: " + " ... ".join(case.message)
        else:
            outcome = f"works: {case.result}"
            if case.message:
                outcome += " (log: " + " ... ".join(case.message) + ")"
        lines.append("| " + " | ".join(_cell(cell) for cell in (case.area, case.description, outcome)) + " |")
    return "\n".join(lines)


RENDERERS = {"fault-matrix": render_fault_matrix, "bad-inputs": render_bad_inputs}


def _pattern(section: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {section}:start -->\n)(.*?)(<!-- {section}:end -->)", re.DOTALL)


def section_text(document: str, section: str) -> str | None:
    """Return the text between a section's start and end markers, or None if they are missing."""
    match = _pattern(section).search(document)
    return match.group(2).rstrip("\n") if match else None


def update(document: str) -> str:
    """Return ``document`` with every section replaced by its freshly rendered table."""
    for section, render in RENDERERS.items():
        table = render()

        def replace(match: re.Match[str], table: str = table) -> str:
            return match.group(1) + table + "\n" + match.group(3)

        document, replaced = _pattern(section).subn(replace, document)
        if replaced != 1:
            raise ValueError(f"{DOC} needs one pair of <!-- {section}:start/end --> markers")
    return document


def main() -> int:
    DOC.write_text(update(DOC.read_text()))
    print(f"Rewrote the tables in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
