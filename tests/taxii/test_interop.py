"""Interop with the OASIS client: taxii2-client against a real `crsa serve` (gunicorn, two
workers) on 127.0.0.1: discovery, collections, adding an envelope, reading every page
(pages served by whichever worker answers), the manifest, versions and status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from taxii2client.v21 import Server, as_pages

from tests.taxii.test_conformance import indicator
from tests.test_served import run, serve, stop, wait_healthy


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A served hub with one collection a partner may read and write:
    yields (taxii url, partner token, collection id)."""
    home = tmp_path / "hub"
    run(home, "init")
    partner = run(home, "org", "add", "Partner ISAC", "--kind", "partner")
    token = run(home, "token", "add", "--org", partner, "--role", "partner")
    collection = run(
        home, "taxii", "collection", "add", "--title", "Shared", "--read", partner,
        "--write", partner, "--tlp", "green",
    )  # fmt: skip
    proc, url = serve(home)
    try:
        wait_healthy(url, proc, 60)
        yield f"{url}/taxii2/", token, collection
    finally:
        stop(proc)


@pytest.mark.slow
def test_taxii2_client_reads_and_writes_every_page(hub: tuple[str, str, str]) -> None:
    url, token, collection_id = hub
    server = Server(url, user="partner", password=token)
    assert server.title == "crsa-hub TAXII server"
    root = server.default
    assert root is not None and root.versions == ["application/taxii+json;version=2.1"]
    [collection] = root.collections
    assert collection.id == collection_id and collection.can_read and collection.can_write

    for start in range(0, 45, 15):  # three envelopes, so date_added values differ
        status = collection.add_objects(
            {"objects": [indicator(n) for n in range(start, start + 15)]}
        )
        assert status.status == "complete" and status.success_count == 15
        status.refresh()
        assert status.failure_count == 0

    seen: list[str] = []
    pages = 0
    for envelope in as_pages(collection.get_objects, per_request=10):
        seen += [o["id"] for o in envelope.get("objects", [])]
        pages += 1
    assert len(seen) == len(set(seen)) == 45 and pages == 5

    manifest = collection.get_manifest()
    assert len(manifest["objects"]) == 45
    first = indicator(0)["id"]
    assert collection.object_versions(first)["versions"] == ["2026-01-01T00:00:00.000Z"]
    assert collection.get_object(first)["objects"][0]["id"] == first
