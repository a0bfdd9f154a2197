"""The endpoint collector's parts, on fixture trees laid out like real hosts, on this
machine itself, and on osquery output shaped as osquery documents its tables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from collectors.endpoint import checks, host, osquery
from collectors.endpoint.packages import (
    ApkSource,
    DpkgSource,
    NpmGlobalSource,
    PythonSource,
    RpmSource,
    installed,
)
from hub.inventory.schema import InventoryIn

FIXTURES = Path(__file__).parent / "fixtures"
BOOKWORM = host.Distro("debian", "12", (), "Debian GNU/Linux 12 (bookworm)")


def write(root: Path, rel: str, text: str, mode: int | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mode is not None:
        path.chmod(mode)
    return path


DPKG_STATUS = """\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries

Package: bash
Status: install ok installed
Architecture: amd64
Source: bash (5.2.15-2)
Version: 5.2.15-2+b2
Description: GNU Bourne Again SHell
 multi-line description

Package: removed-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: curl
Status: install ok installed
Architecture: amd64
Version: 7.88.1-10+deb12u5
"""


def test_dpkg_reads_installed_packages_with_their_source(tmp_path: Path) -> None:
    write(tmp_path, "var/lib/dpkg/status", DPKG_STATUS)
    purls = [p.purl for p in DpkgSource().packages(tmp_path, BOOKWORM)]
    assert purls == [
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2",
        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12",
    ]


def test_apk_rpm_python_and_npm(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lib/apk/db/installed",
        "C:Q1abc=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nC:Q1def=\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n",
    )
    alpine = host.Distro("alpine", "3.19.1", (), "Alpine Linux v3.19")
    assert [p.purl for p in ApkSource().packages(tmp_path, alpine)] == [
        "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl",
        "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1",
    ]
    rhel = host.Distro("rhel", "9.4", ("fedora",), "Red Hat Enterprise Linux 9.4")
    out = (
        "openssl-libs\t1\t3.0.7-27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\n"
        "gpg-pubkey\t0\tfd431d51-4ae0493b\t(none)\t(none)\n"
        "bash\t0\t5.1.8-9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n"
    )
    assert [p.purl for p in RpmSource().parse(out, rhel)] == [
        "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1&upstream=openssl",
        "pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4",
    ]
    write(
        tmp_path,
        "usr/lib/python3/dist-packages/Requests-2.28.1.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n",
    )
    assert [p.purl for p in PythonSource().packages(tmp_path, BOOKWORM)] == [
        "pkg:pypi/requests@2.28.1"
    ]
    write(
        tmp_path, "usr/local/lib/node_modules/npm/package.json", '{"name":"npm","version":"10.8.2"}'
    )
    write(
        tmp_path,
        "usr/local/lib/node_modules/@angular/cli/package.json",
        '{"name":"@angular/cli","version":"17.3.8"}',
    )
    assert sorted(p.purl for p in NpmGlobalSource().packages(tmp_path, BOOKWORM)) == [
        "pkg:npm/%40angular/cli@17.3.8",
        "pkg:npm/npm@10.8.2",
    ]


def test_this_machine_reports_its_real_packages() -> None:
    """Acceptance 1, collector half: the test machine's own dpkg database."""
    me = host.identify(Path("/"))
    if me.distro.family != "debian":
        pytest.skip(f"this machine is {me.distro.id}, not a dpkg host")
    found = installed(Path("/"), me.distro)
    dpkg = [p for p in found if p.source == "dpkg"]
    assert len(dpkg) > 100
    assert any("/dpkg@" in p.purl for p in dpkg)  # dpkg itself is always installed
    assert me.identifier and me.kernel


SSHD_LAX = "Port 22\nPermitRootLogin yes\n#PasswordAuthentication no\nX11Forwarding yes\n"


def ctx(root: Path, *names: str) -> checks.Context:
    return checks.Context(root, frozenset(names))


def results(root: Path, *names: str) -> dict[str, checks.CheckResult]:
    found, problems = checks.evaluate("debian", ctx(root, *names))
    assert not problems
    return {r.id: r for r in found}


def test_debian_policy_on_a_lax_host_and_a_hardened_one(tmp_path: Path) -> None:
    lax, tight = tmp_path / "lax", tmp_path / "tight"
    write(lax, "etc/ssh/sshd_config", SSHD_LAX, 0o644)
    write(lax, "etc/shadow", "root:*:19000::::::\n", 0o644)
    write(lax, "proc/sys/net/ipv4/ip_forward", "1\n")
    write(lax, "proc/sys/kernel/randomize_va_space", "0\n")
    write(lax, "etc/pam.d/common-auth", "auth [success=1 default=ignore] pam_unix.so nullok\n")
    write(lax, "lib/systemd/system/auditd.service", "[Unit]\n")
    r = results(lax, "telnetd")
    failing = (
        "deb-ssh-root-login",
        "deb-ssh-password-auth",
        "deb-ssh-x11",
        "deb-shadow-perms",
        "deb-sshd-config-perms",
        "deb-ip-forward",
        "deb-aslr",
        "deb-pam-nullok",
        "deb-telnet-absent",
        "deb-auto-updates",
        "deb-auditd",
    )
    assert {k: r[k].status for k in failing} == dict.fromkeys(failing, "fail")
    assert r["deb-ssh-root-login"].detail.startswith("PermitRootLogin yes (set)")
    assert r["deb-ssh-password-auth"].detail.startswith("PasswordAuthentication yes (default)")
    assert r["deb-shadow-perms"].detail == "mode 0644 is looser than 0640"

    write(
        tight,
        "etc/ssh/sshd_config.d/50-crsa.conf",
        "PermitRootLogin no\nPasswordAuthentication no\n",
    )
    write(
        tight,
        "etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
        0o600,
    )
    write(tight, "etc/shadow", "root:*:19000::::::\n", 0o640)
    write(tight, "proc/sys/net/ipv4/ip_forward", "0\n")
    write(tight, "proc/sys/kernel/randomize_va_space", "2\n")
    write(tight, "etc/pam.d/common-auth", "auth [success=1 default=ignore] pam_unix.so\n")
    write(tight, "etc/apt/apt.conf.d/20auto-upgrades", 'APT::Periodic::Unattended-Upgrade "1";\n')
    write(tight, "lib/systemd/system/auditd.service", "[Unit]\n")
    (tight / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True)
    (tight / "etc/systemd/system/multi-user.target.wants/auditd.service").symlink_to(
        tight / "lib/systemd/system/auditd.service"
    )
    r = results(tight, "unattended-upgrades")
    for check in (
        "deb-ssh-root-login",
        "deb-ssh-password-auth",
        "deb-shadow-perms",
        "deb-ip-forward",
        "deb-aslr",
        "deb-pam-nullok",
        "deb-telnet-absent",
        "deb-auto-updates",
        "deb-auto-updates-enabled",
        "deb-auditd",
    ):
        assert r[check].status == "pass", (check, r[check].detail)
    assert r["deb-syncookies"].status == "not_applicable"  # no such file in this tree
    if os.geteuid() == 0:  # ownership checks need files owned by root
        assert r["deb-sshd-config-perms"].status == "pass"


def test_policies_are_checked_when_loaded_and_extra_ones_apply(tmp_path: Path) -> None:
    assert {p.name for p in checks.builtin_policies()} == {
        "crsa-debian-baseline",
        "crsa-rhel-baseline",
    }
    for p in checks.builtin_policies():
        assert len(p.checks) >= 12
        assert all(c["rationale"] and c["remediation"] for c in p.checks)
    broken = write(tmp_path, "broken.yaml", "policy: x\nchecks:\n  - id: a\n    title: t\n")
    dupe = write(
        tmp_path,
        "dupe.yaml",
        """policy: agency
families: [debian]
checks:
  - {id: a, title: t, severity: low, rationale: r, remediation: m, test: {type: package, name: x}}
  - {id: a, title: t, severity: low, rationale: r, remediation: m, test: {type: package, name: x}}
""",
    )
    own = write(
        tmp_path,
        "own.yaml",
        """policy: agency-extra
families: [debian]
checks:
  - {id: agency-banner, title: Login banner names the agency, severity: low, rationale: r,
     remediation: m, test: {type: file_regex, path: /etc/issue.net, pattern: Digital Agency}}
  - {id: agency-bad-regex, title: t, severity: low, rationale: r, remediation: m,
     test: {type: file_regex, path: /etc/issue.net, pattern: "("}}
""",
    )
    write(tmp_path / "root", "etc/issue.net", "Authorized use only. Digital Agency.\n")
    found, problems = checks.evaluate("debian", ctx(tmp_path / "root"), [broken, dupe, own])
    assert len(problems) == 2
    assert "missing severity, rationale, remediation, test" in problems[0]
    assert "id a is used twice" in problems[1]
    mine = {r.id: r.status for r in found if r.policy == "agency-extra"}
    assert mine == {"agency-banner": "pass", "agency-bad-regex": "error"}


def test_osquery_result_log_from_windows() -> None:
    doc = osquery.load(FIXTURES / "osquery/windows_snapshot.log", "sys-1")
    InventoryIn.model_validate(doc)
    assert doc["host"]["identifier"] == "4C4C4544-0042-3510-8052-B4C04F4E3732"
    assert doc["host"]["os_name"] == "Microsoft Windows 11 Enterprise"
    assert [p["purl"] for p in doc["packages"]] == [
        "pkg:generic/Google%20LLC/Google%20Chrome@131.0.6778.86",
        "pkg:generic/Igor%20Pavlov/7-Zip%2023.01%20%28x64%29@23.01",
    ]
    assert [(p["local_port"], p["process"]) for p in doc["ports"]] == [(3389, "svchost.exe")]
    [proc] = doc["processes"]
    assert proc["sha256"].startswith("643ec58e")


def test_osquery_tables_from_macos_and_osqueryi_json() -> None:
    doc = osquery.load(FIXTURES / "osquery/macos_tables.json", "sys-1")
    InventoryIn.model_validate(doc)
    assert sorted(p["purl"] for p in doc["packages"]) == [
        "pkg:generic/apple-app/com.tinyspeck.slackmacgap@4.41.97",
        "pkg:generic/apple-app/us.zoom.xos@6.2.5%20%2841000%29",
        "pkg:pypi/requests@2.28.1",
    ]
    assert doc["connections"][0]["remote_address"] == "203.0.113.9"
    rows = osquery.read((FIXTURES / "osquery/deb_packages.json").read_text())
    assert list(rows) == ["deb_packages"] and len(rows["deb_packages"]) == 3
    with pytest.raises(osquery.OsqueryError, match="no host identity"):
        osquery.to_document("sys-1", rows)
    with pytest.raises(osquery.OsqueryError, match="match no supported table"):
        osquery.read(json.dumps([{"foo": 1}]))
    with pytest.raises(osquery.OsqueryError, match="not JSON"):
        osquery.read("{not json\n")


def test_the_published_schema_is_the_one_the_hub_checks_and_collectors_meet() -> None:
    import jsonschema_rs

    from collectors.endpoint.inventory import collect
    from hub.inventory.schema_doc import render

    published = Path(__file__).parents[2] / "docs/inventory.schema.json"
    assert published.read_text(encoding="utf-8") == render(), (
        "regenerate: python -m hub.inventory.schema_doc > docs/inventory.schema.json"
    )
    validator = jsonschema_rs.validator_for(json.loads(render()))
    doc, *_ = collect("system-1")
    assert not list(validator.iter_errors(json.loads(json.dumps(doc))))
    osq = osquery.load(FIXTURES / "osquery/windows_snapshot.log", "system-1")
    assert not list(validator.iter_errors(osq))
    broken = dict(doc, packages=[{"purl": 42}])
    assert list(validator.iter_errors(broken))
