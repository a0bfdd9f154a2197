"""Feeds as operators run them: real files served by a real HTTP server on 127.0.0.1,
conditional requests, incremental syncs, progress on the terminal, JVN's two formats."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.intelligence.sources import FeedError, JvnSource, SourceReport, location_for
from tests.supply.builders import JVN_RSS, JVN_VULDEF, cyclonedx, openvex


class FeedServer:
    """Serves a directory with ETags, answers If-None-Match with 304, and counts requests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, int]] = []
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                path = root / self.path.lstrip("/")
                if path.is_file():
                    etag = '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        server.requests.append((self.path, 304))
                        self.send_response(304)
                        self.end_headers()
                        return
                    data = path.read_bytes()
                    server.requests.append((self.path, 200))
                    self.send_response(200)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                server.requests.append((self.path, 404))
                self.send_error(404)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path: Path, corpus: Path) -> Iterator[FeedServer]:
    """Real public data laid out as its publishers serve it: OSV's per-ecosystem all.zip,
    CISA's KEV JSON, FIRST's gzipped EPSS CSV; JVN feeds in both of its XML formats."""
    root = tmp_path / "www"
    (root / "PyPI").mkdir(parents=True)
    vulns = corpus / "osv/pypa-advisory-database/vulns"
    with zipfile.ZipFile(root / "PyPI/all.zip", "w") as archive:
        for package in ("requests", "django", "jinja2", "urllib3"):
            for f in sorted((vulns / package).glob("*.yaml")):
                archive.write(f, f"{package}/{f.name}")
    (root / "kev.json").write_bytes(
        (corpus / "kev/known_exploited_vulnerabilities.json").read_bytes()
    )
    epss = next((corpus / "epss").glob("*.csv"))
    (root / "epss.csv.gz").write_bytes(gzip.compress(epss.read_bytes()))
    (root / "jvndb_new.rdf").write_text(JVN_RSS, encoding="utf-8")
    (root / "vuldef.xml").write_text(JVN_VULDEF, encoding="utf-8")
    server = FeedServer(root)
    yield server
    server.close()


def crsa(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def ok(home: Path, *args: str) -> Result:
    result = crsa(home, *args)
    assert result.exit_code == 0, result.output
    return result


def test_feeds_sync_over_http_is_incremental_and_findings_follow(
    tmp_path: Path, served: FeedServer
) -> None:
    home = tmp_path / "hub"
    ok(home, "init")
    agency = ok(home, "org", "add", "Digital Agency", "--kind", "agency").stdout.strip()
    system = ok(home, "system", "add", "--org", agency, "e-Gov").stdout.strip()
    for source, path in (
        ("osv", "/PyPI/all.zip"),
        ("kev", "/kev.json"),
        ("epss", "/epss.csv.gz"),
        ("jvn", "/jvndb_new.rdf"),
        ("jvn", "/vuldef.xml"),
    ):
        ok(home, "feeds", "add", source, served.url + path)
    first = ok(home, "feeds", "sync")
    lines = {line.split("\t")[2] for line in first.stdout.strip().splitlines()}
    assert lines == {
        served.url + p
        for p in ("/PyPI/all.zip", "/kev.json", "/epss.csv.gz", "/jvndb_new.rdf", "/vuldef.xml")
    }
    assert "read" in first.stderr and "new or changed" in first.stderr  # progress was shown
    assert all(status == 200 for _, status in served.requests)

    # An SBOM with a version of requests that PyPA's advisories say leaks Proxy-Authorization.
    sbom = tmp_path / "bom.json"
    sbom.write_bytes(cyclonedx([("requests", "2.28.1", "pkg:pypi/requests@2.28.1")]))
    submitted = ok(home, "sbom", "submit", str(sbom), "--system", system)
    assert "findings:" in submitted.stderr and "NTIA quality" in submitted.stderr

    served.requests.clear()
    second = ok(home, "feeds", "sync")
    assert all(line.split("\t")[1] == "unchanged" for line in second.stdout.strip().splitlines())
    assert [status for _, status in served.requests] == [304] * 5
    assert "re-matched" not in second.stderr

    # The KEV catalog changes upstream: only it is fetched in full, and findings re-match.
    catalog = json.loads((served.root / "kev.json").read_text(encoding="utf-8"))
    catalog["vulnerabilities"].append(
        {
            "cveID": "CVE-2023-32681",
            "vendorProject": "Python",
            "product": "requests",
            "vulnerabilityName": "test",
            "dateAdded": "2026-11-20",
            "dueDate": "2026-12-11",
        }
    )
    (served.root / "kev.json").write_text(json.dumps(catalog), encoding="utf-8")
    third = ok(home, "feeds", "sync")
    assert "1 written of" in third.stdout
    assert "re-matched 1 SBOM(s)" in third.stderr

    listed = ok(home, "feeds", "list").stdout
    assert listed.count("\n") == 5 and "never" not in listed


def test_second_sbom_version_diffs_from_the_shell(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    ok(home, "init")
    agency = ok(home, "org", "add", "Digital Agency", "--kind", "agency").stdout.strip()
    system = ok(home, "system", "add", "--org", agency, "e-Gov").stdout.strip()
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    one.write_bytes(cyclonedx([("requests", "2.28.1", "pkg:pypi/requests@2.28.1")]))
    two.write_bytes(cyclonedx([("requests", "2.32.3", "pkg:pypi/requests@2.32.3")], version=2))
    first = ok(home, "sbom", "submit", str(one), "--system", system).stdout.strip()
    second = ok(home, "sbom", "submit", str(two), "--system", system).stdout.strip()
    again = ok(home, "sbom", "submit", str(two), "--system", system).stdout
    assert "nothing changed" in again
    history = ok(home, "sbom", "list", "--system", system).stdout.strip().splitlines()
    assert [(h.split("\t")[0], h.split("\t")[2]) for h in history] == [
        (first, "history"),
        (second, "current"),
    ]
    diff = ok(home, "sbom", "diff", first, second).stdout
    assert "~ requests 2.28.1 -> 2.32.3" in diff

    bad = tmp_path / "bad.json"
    bad.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": 3}')
    refused = crsa(home, "sbom", "submit", str(bad), "--system", system)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "/components" in refused.output
    # A supplier's product, from the shell: submitted, deployed, and a VEX statement on it.
    router = tmp_path / "router.json"
    router.write_bytes(
        cyclonedx(
            [("requests", "2.28.1", "pkg:pypi/requests@2.28.1")],
            serial="urn:uuid:00000000-0000-4000-8000-00000000000a",
            subject={
                "type": "firmware",
                "name": "Router",
                "version": "7.1",
                "bom-ref": "r",
                "supplier": {"name": "ACME"},
            },
        )
    )
    made = ok(home, "sbom", "submit", str(router), "--product")
    assert "ACME Router 7.1" in made.stderr
    product = made.stderr.split("product ", 1)[1].split(":", 1)[0]
    assert product in ok(home, "product", "list").stdout
    assert ok(home, "product", "deploy", product, "--system", system).stdout.strip()
    statement = tmp_path / "vex.json"
    statement.write_bytes(
        openvex(
            "CVE-2023-32681", "pkg:pypi/requests", "not_affected", "vulnerable_code_not_present"
        )
    )
    vexed = ok(home, "vex", "submit", str(statement), "--product", product)
    assert "CVE-2023-32681\tpkg:pypi/requests\tnot_affected" in vexed.stdout
    assert (
        "nothing changed" in ok(home, "vex", "submit", str(statement), "--product", product).stderr
    )
    nothing = crsa(home, "feeds", "sync")
    assert nothing.exit_code == 1 and "crsa feeds add" in nothing.output


def test_jvn_both_formats_become_one_record_per_cve() -> None:
    report = SourceReport()
    members = iter(
        [
            ("new.rdf", JVN_RSS.encode()),
            ("detail.xml", JVN_VULDEF.encode()),
            ("junk.xml", b"<html/>"),
            ("broken.xml", b"<rdf"),
        ]
    )
    records = {r.key: r.data for r in JvnSource().records(members, report)}
    assert set(records) == {
        "CVE-2026-10001",
        "JVNDB-2026-000102",
        "CVE-2026-20001",
        "CVE-2026-20002",
    }
    assert records["CVE-2026-10001"]["id"] == "JVNDB-2026-000101"
    assert records["CVE-2026-10001"]["cvss"] == ["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"]
    assert records["CVE-2026-20002"]["cvss"] == ["CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"]
    assert records["CVE-2026-20001"]["title"].startswith("業務システム")
    assert report.read == 3 and [w for w, _ in report.skipped] == ["junk.xml", "broken.xml"]


def test_unreachable_and_unknown_locations_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="does not exist"):
        location_for(str(tmp_path / "nowhere.json"))
    with pytest.raises(FeedError, match="only http, https"):
        location_for("ftp://example.org/feed.json")
    with pytest.raises(FeedError, match="cannot fetch"):
        location_for("http://127.0.0.1:9/feed.json").fetch("")
    gz = tmp_path / "epss.csv.gz"
    gz.write_bytes(gzip.compress(b"cve,epss\nCVE-2024-1,0.5\n"))
    payload = location_for(str(gz)).fetch("")
    assert payload is not None
    assert list(payload.members()) == [("epss.csv", b"cve,epss\nCVE-2024-1,0.5\n")]
    assert location_for(str(gz)).fetch(payload.validator) is None


def test_one_feed_failing_does_not_hold_back_the_others(tmp_path: Path) -> None:
    """JVN syncs before KEV; its file gone must not stop KEV's due dates from arriving. The
    command says which failed, exits 1, and `crsa feeds list` keeps the reason."""
    home = tmp_path / "hub"
    ok(home, "init")
    jvn = tmp_path / "jvndb_new.rdf"
    jvn.write_text(JVN_RSS, encoding="utf-8")
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({"vulnerabilities": [{"cveID": "CVE-2026-0001"}]}))
    ok(home, "feeds", "add", "jvn", str(jvn))
    ok(home, "feeds", "add", "kev", str(kev))
    jvn.unlink()
    result = crsa(home, "feeds", "sync")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "1 of 2 feeds failed (the others were synced)" in result.output
    lines = dict(line.split("\t", 1) for line in result.stdout.strip().splitlines())
    assert lines["kev"].startswith("1 written of 1")
    assert lines["jvn"].startswith("failed: feed location") and "does not exist" in lines["jvn"]
    listed = ok(home, "feeds", "list").stdout
    [jvn_line] = [line for line in listed.splitlines() if "\tjvn\t" in line]
    assert "\tfailed " in jvn_line and "does not exist" in jvn_line
