"""The NTIA minimum elements score: what is missing is named, with counts."""

from __future__ import annotations

from sbom.components import Coverage
from sbom.quality import DocumentFacts, assess


def facts(**changes: object) -> DocumentFacts:
    base: dict[str, object] = dict(
        serial_number="urn:uuid:1",
        doc_version=1,
        timestamp="2026-11-01T00:00:00Z",
        has_author=True,
        dependencies=3,
        subject_supplier="",
        subject_name="",
        subject_version="",
        subject_purl="",
    )
    base.update(changes)
    return DocumentFacts(**base)  # type: ignore[arg-type]


def test_complete_document_scores_100() -> None:
    q = assess(Coverage(10, 10, 10, 10, 10), facts())
    assert (q.score, q.missing) == (100.0, ())


def test_each_gap_costs_its_share_and_is_named() -> None:
    q = assess(Coverage(10, 4, 10, 9, 8), facts(has_author=False, dependencies=0))
    # supplier 0.4, name 1, version 0.9, identifier 0.8, dependencies 0, author 0, time 1
    assert q.score == round(100 * (0.4 + 1 + 0.9 + 0.8 + 0 + 0 + 1) / 7, 1)
    assert q.missing == (
        "supplier: 6 of 10 components lack it",
        "version: 1 of 10 components lack it",
        "unique identifier: 2 of 10 components lack it",
        "dependency relationships",
        "author",
    )


def test_an_empty_document_says_so() -> None:
    q = assess(Coverage(0, 0, 0, 0, 0), facts(timestamp=""))
    assert q.score == round(100 * 2 / 7, 1)
    assert "supplier: the document lists no components" in q.missing and "timestamp" in q.missing
