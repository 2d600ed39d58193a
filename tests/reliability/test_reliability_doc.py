"""docs/reliability.md shows exactly the tables that the reliability tests run."""

from __future__ import annotations

import pytest

from tests.reliability.doc_tables import DOC, RENDERERS, section_text


@pytest.mark.parametrize("section", sorted(RENDERERS))
def test_doc_table_matches_tests(section: str) -> None:
    published = section_text(DOC.read_text(), section)

    assert published is not None, f"{DOC} has no <!-- {section}:start/end --> markers"
    assert published == RENDERERS[section](), "Run `python -m tests.reliability.doc_tables` to update it"
