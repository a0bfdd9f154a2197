"""docs/architecture.md opens with the layers and the imports between them, generated from
the import contract and the code; this keeps the picture true as the code moves."""

from __future__ import annotations

from devtools import architecture


def test_the_documented_picture_is_the_code_as_it_is() -> None:
    doc = architecture.DOC.read_text(encoding="utf-8")
    section = architecture.render()
    assert section in doc, "run: python -m devtools.architecture --write"


def test_every_arrow_points_down_the_layers() -> None:
    stack = architecture.layers()
    rank = {unit: n for n, layer in enumerate(stack) for unit in layer}
    edges = architecture.edges(list(rank))
    assert edges, "the graph found no imports at all"
    upward = sorted((a, b) for a, b in edges if rank[b] <= rank[a])
    assert upward == []


def test_the_agent_is_the_bottom_and_imports_nothing_of_the_hub() -> None:
    stack = architecture.layers()
    assert stack[-1] == ["collectors"]
    edges = architecture.edges([u for layer in stack for u in layer])
    assert not [e for e in edges if e[0] == "collectors"]
