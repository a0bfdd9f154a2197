"""Real package names and release versions for the demo's inventories.

Each package lists several real releases, older ones first, so a seeded pick
gives a fleet with the version spread real agencies have: some hosts patched,
some a few releases behind (several of these older releases have well-known
advisories, which the demo's feeds match).
"""

from __future__ import annotations

from typing import NamedTuple


class Spec(NamedTuple):
    purl_type: str
    namespace: str | None
    name: str
    versions: tuple[str, ...]
    qualifiers: dict[str, str] | None = None


class Image(NamedTuple):
    os_name: str
    os_version: str
    packages: tuple[Spec, ...]


def _deb(name: str, *versions: str, distro: str = "debian-12") -> Spec:
    return Spec("deb", "debian", name, versions, {"arch": "amd64", "distro": distro})


def _ubu(name: str, *versions: str) -> Spec:
    return Spec("deb", "ubuntu", name, versions, {"arch": "amd64", "distro": "ubuntu-22.04"})


def _rpm(name: str, *versions: str) -> Spec:
    return Spec("rpm", "redhat", name, versions, {"arch": "x86_64", "distro": "rhel-9"})


def _apk(name: str, *versions: str) -> Spec:
    return Spec("apk", "alpine", name, versions, {"arch": "x86_64", "distro": "3.19"})


IMAGES: tuple[Image, ...] = (
    Image(
        "Debian GNU/Linux",
        "12",
        (
            _deb("openssl", "3.0.9-1", "3.0.11-1~deb12u1", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1"),
            _deb("libssl3", "3.0.9-1", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1"),
            _deb("openssh-server", "1:9.2p1-2", "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"),
            _deb("openssh-client", "1:9.2p1-2", "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"),
            _deb("bash", "5.2.15-2+b2", "5.2.15-2+b7"),
            _deb("coreutils", "9.1-1"),
            _deb("libc6", "2.36-9", "2.36-9+deb12u3", "2.36-9+deb12u4", "2.36-9+deb12u7"),
            _deb("sudo", "1.9.13p3-1", "1.9.13p3-1+deb12u1"),
            _deb("curl", "7.88.1-10", "7.88.1-10+deb12u4", "7.88.1-10+deb12u5"),
            _deb("libcurl4", "7.88.1-10", "7.88.1-10+deb12u4", "7.88.1-10+deb12u5"),
            _deb("systemd", "252.17-1~deb12u1", "252.22-1~deb12u1", "252.26-1~deb12u2"),
            _deb("zlib1g", "1:1.2.13.dfsg-1"),
            _deb("libexpat1", "2.5.0-1", "2.5.0-1+deb12u1"),
            _deb("xz-utils", "5.4.1-0.2"),
            _deb("liblzma5", "5.4.1-0.2"),
            _deb("gnupg", "2.2.40-1.1"),
            _deb("tar", "1.34+dfsg-1.2", "1.34+dfsg-1.2+deb12u1"),
            _deb("vim-tiny", "2:9.0.1378-2"),
            _deb("ca-certificates", "20230311"),
            _deb("tzdata", "2024a-0+deb12u1", "2024b-0+deb12u1"),
            _deb("libxml2", "2.9.14+dfsg-1.3~deb12u1"),
            _deb("git", "1:2.39.2-1.1", "1:2.39.5-0+deb12u1"),
            _deb("python3.11", "3.11.2-6", "3.11.2-6+deb12u2"),
            _deb("nginx", "1.22.1-9"),
            _deb("rsyslog", "8.2302.0-1"),
        ),
    ),
    Image(
        "Ubuntu",
        "22.04",
        (
            _ubu("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12", "3.0.2-0ubuntu1.15"),
            _ubu("libssl3", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15"),
            _ubu("openssh-server", "1:8.9p1-3ubuntu0.4", "1:8.9p1-3ubuntu0.10"),
            _ubu("libc6", "2.35-0ubuntu3.4", "2.35-0ubuntu3.6", "2.35-0ubuntu3.8"),
            _ubu("sudo", "1.9.9-1ubuntu2.3", "1.9.9-1ubuntu2.4"),
            _ubu("curl", "7.81.0-1ubuntu1.13", "7.81.0-1ubuntu1.15", "7.81.0-1ubuntu1.16"),
            _ubu("systemd", "249.11-0ubuntu3.9", "249.11-0ubuntu3.12"),
            _ubu("bash", "5.1-6ubuntu1", "5.1-6ubuntu1.1"),
            _ubu("linux-image-generic", "5.15.0.91.88", "5.15.0.105.102", "5.15.0.119.119"),
            _ubu("libxml2", "2.9.13+dfsg-1ubuntu0.3", "2.9.13+dfsg-1ubuntu0.4"),
            _ubu("python3.10", "3.10.12-1~22.04.3", "3.10.12-1~22.04.5"),
            _ubu("apache2", "2.4.52-1ubuntu4.6", "2.4.52-1ubuntu4.9"),
            _ubu("git", "1:2.34.1-1ubuntu1.10", "1:2.34.1-1ubuntu1.11"),
            _ubu("vim", "2:8.2.3995-1ubuntu2.13", "2:8.2.3995-1ubuntu2.16"),
            _ubu("tzdata", "2024a-0ubuntu0.22.04"),
            _ubu("ca-certificates", "20230311ubuntu0.22.04.1"),
        ),
    ),
    Image(
        "Red Hat Enterprise Linux",
        "9.3",
        (
            _rpm("openssl", "3.0.7-24.el9", "3.0.7-25.el9_3", "3.0.7-27.el9"),
            _rpm("openssh-server", "8.7p1-34.el9", "8.7p1-38.el9"),
            _rpm("glibc", "2.34-83.el9_3.7", "2.34-100.el9"),
            _rpm("sudo", "1.9.5p2-9.el9", "1.9.5p2-10.el9_3"),
            _rpm("curl", "7.76.1-26.el9_3.2", "7.76.1-29.el9_4"),
            _rpm("kernel", "5.14.0-362.8.1.el9_3", "5.14.0-427.13.1.el9_4"),
            _rpm("systemd", "252-18.el9", "252-32.el9_4"),
            _rpm("bash", "5.1.8-6.el9_1"),
            _rpm("httpd", "2.4.57-5.el9", "2.4.57-8.el9"),
            _rpm("python3", "3.9.18-1.el9_3", "3.9.18-3.el9_4.1"),
            _rpm("libxml2", "2.9.13-5.el9_3", "2.9.13-6.el9_4"),
            _rpm("krb5-libs", "1.21.1-1.el9", "1.21.1-2.el9_4"),
            _rpm("postgresql", "13.11-1.el9", "13.14-1.el9_3"),
        ),
    ),
    Image(
        "Alpine Linux",
        "3.19",
        (
            _apk("musl", "1.2.4_git20230717-r4"),
            _apk("busybox", "1.36.1-r15", "1.36.1-r19"),
            _apk("libcrypto3", "3.1.4-r2", "3.1.4-r5", "3.1.6-r0"),
            _apk("libssl3", "3.1.4-r2", "3.1.4-r5", "3.1.6-r0"),
            _apk("zlib", "1.3.1-r0"),
            _apk("ca-certificates", "20240226-r0"),
            _apk("apk-tools", "2.14.0-r5"),
            _apk("libcurl", "8.5.0-r0", "8.9.0-r0"),
        ),
    ),
)

STACKS: dict[str, tuple[Spec, ...]] = {
    "python-web": (
        Spec("pypi", None, "django", ("3.2.19", "4.1.9", "4.2.7", "4.2.11", "5.0.3")),
        Spec("pypi", None, "requests", ("2.28.1", "2.31.0", "2.32.3")),
        Spec("pypi", None, "urllib3", ("1.26.15", "1.26.18", "2.0.7", "2.2.2")),
        Spec("pypi", None, "jinja2", ("3.1.2", "3.1.3", "3.1.4")),
        Spec("pypi", None, "pyyaml", ("5.3.1", "6.0", "6.0.1")),
        Spec("pypi", None, "cryptography", ("39.0.1", "41.0.3", "42.0.5")),
        Spec("pypi", None, "pillow", ("9.5.0", "10.0.0", "10.3.0")),
        Spec("pypi", None, "sqlparse", ("0.4.3", "0.4.4", "0.5.0")),
        Spec("pypi", None, "certifi", ("2022.12.7", "2023.7.22", "2024.7.4")),
        Spec("pypi", None, "gunicorn", ("20.1.0", "21.2.0", "22.0.0")),
    ),
    "python-data": (
        Spec("pypi", None, "numpy", ("1.24.4", "1.26.4")),
        Spec("pypi", None, "pandas", ("1.5.3", "2.1.4", "2.2.2")),
        Spec("pypi", None, "aiohttp", ("3.8.4", "3.9.1", "3.9.5")),
        Spec("pypi", None, "jupyter-server", ("2.7.1", "2.11.2", "2.14.1")),
        Spec("pypi", None, "tornado", ("6.3.2", "6.3.3", "6.4.1")),
        Spec("pypi", None, "setuptools", ("65.5.0", "68.0.0", "70.0.0")),
    ),
    "node-web": (
        Spec("npm", None, "express", ("4.17.1", "4.18.2", "4.19.2")),
        Spec("npm", None, "lodash", ("4.17.15", "4.17.20", "4.17.21")),
        Spec("npm", None, "axios", ("0.21.1", "1.5.1", "1.6.8")),
        Spec("npm", None, "jsonwebtoken", ("8.5.1", "9.0.0", "9.0.2")),
        Spec("npm", None, "minimist", ("1.2.5", "1.2.6", "1.2.8")),
        Spec("npm", None, "semver", ("5.7.1", "7.5.2", "7.6.0")),
        Spec("npm", None, "ws", ("7.4.5", "8.11.0", "8.17.1")),
        Spec("npm", None, "body-parser", ("1.19.0", "1.20.1", "1.20.3")),
        Spec("npm", "@babel", "traverse", ("7.22.5", "7.23.2", "7.24.7")),
    ),
    "java-app": (
        Spec(
            "maven",
            "org.apache.logging.log4j",
            "log4j-core",
            ("2.14.1", "2.16.0", "2.17.1", "2.20.0"),
        ),
        Spec(
            "maven", "org.springframework", "spring-core", ("5.3.17", "5.3.18", "5.3.31", "6.1.5")
        ),
        Spec("maven", "org.springframework", "spring-webmvc", ("5.3.17", "5.3.31", "6.1.5")),
        Spec(
            "maven",
            "com.fasterxml.jackson.core",
            "jackson-databind",
            ("2.9.10.8", "2.13.4.2", "2.15.2"),
        ),
        Spec("maven", "org.apache.commons", "commons-text", ("1.9", "1.10.0", "1.11.0")),
        Spec("maven", "org.yaml", "snakeyaml", ("1.30", "1.33", "2.2")),
        Spec(
            "maven", "org.apache.tomcat.embed", "tomcat-embed-core", ("9.0.60", "9.0.83", "10.1.19")
        ),
        Spec("maven", "com.google.guava", "guava", ("30.1-jre", "32.0.0-jre", "33.1.0-jre")),
    ),
    "go-service": (
        Spec("golang", "golang.org/x", "net", ("v0.7.0", "v0.17.0", "v0.23.0")),
        Spec("golang", "golang.org/x", "crypto", ("v0.14.0", "v0.17.0", "v0.31.0")),
        Spec("golang", "google.golang.org", "grpc", ("v1.56.2", "v1.58.3", "v1.64.0")),
        Spec("golang", "github.com/gin-gonic", "gin", ("v1.8.1", "v1.9.1", "v1.10.0")),
        Spec("golang", "gopkg.in", "yaml.v3", ("v3.0.0-20210107192922-496545a6307b", "v3.0.1")),
    ),
    "ruby-app": (
        Spec("gem", None, "rails", ("6.1.7", "7.0.8", "7.1.3")),
        Spec("gem", None, "nokogiri", ("1.13.10", "1.15.4", "1.16.5")),
        Spec("gem", None, "rack", ("2.2.6.4", "2.2.8.1", "3.0.11")),
        Spec("gem", None, "puma", ("5.6.5", "6.4.0", "6.4.2")),
    ),
    "dotnet-app": (
        Spec("nuget", None, "Newtonsoft.Json", ("12.0.3", "13.0.1", "13.0.3")),
        Spec("nuget", None, "System.Text.Encodings.Web", ("4.7.1", "4.7.2", "8.0.0")),
        Spec("nuget", None, "Microsoft.Data.SqlClient", ("2.1.4", "5.1.1", "5.2.0")),
    ),
    "rust-service": (
        Spec("cargo", None, "tokio", ("1.18.2", "1.28.1", "1.37.0")),
        Spec("cargo", None, "hyper", ("0.14.18", "0.14.28", "1.3.1")),
        Spec("cargo", None, "openssl", ("0.10.45", "0.10.55", "0.10.64")),
        Spec("cargo", None, "time", ("0.1.45", "0.3.36")),
        Spec("cargo", None, "atty", ("0.2.14",)),
    ),
}

AGENCIES: tuple[str, ...] = (
    "Digital Agency",
    "Ministry of Internal Affairs and Communications",
    "Ministry of Health, Labour and Welfare",
    "Ministry of Economy, Trade and Industry",
    "Ministry of Land, Infrastructure, Transport and Tourism",
    "Ministry of Finance",
    "Ministry of Justice",
    "Ministry of Foreign Affairs",
    "Ministry of Education, Culture, Sports, Science and Technology",
    "Ministry of Agriculture, Forestry and Fisheries",
    "Ministry of the Environment",
    "Ministry of Defense",
)

OPERATOR = "Government Security Operation Coordination Team"
# Per agency, in AGENCIES' order: (patch discipline, reporting share). Discipline is the
# chance a package is at its newest release; the reporting share is the part of its hosts
# whose collector reported in the last few days. Real ministries differ this much, and the
# grades must show it.
HYGIENE: tuple[tuple[float, float], ...] = (
    (0.55, 0.95),
    (0.30, 0.85),
    (0.85, 0.99),
    (0.10, 0.80),
    (0.45, 0.90),
    (0.70, 0.97),
    (0.20, 0.70),
    (0.90, 0.99),
    (0.35, 0.88),
    (0.60, 0.93),
    (0.80, 0.98),
    (0.15, 0.75),
)

PARTNERS: tuple[str, ...] = ("Financials ISAC Japan", "ICT-ISAC", "Transportation ISAC")

SYSTEM_KINDS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    # name, criticality, internet-facing, application stacks it runs
    ("Public website", "moderate", True, ("python-web", "node-web")),
    ("Online application portal", "high", True, ("java-app", "python-web")),
    ("Identity provider", "high", True, ("java-app", "go-service")),
    ("Mail gateway", "high", True, ("go-service",)),
    ("Payroll", "high", False, ("java-app", "dotnet-app")),
    ("Case management", "moderate", False, ("ruby-app", "python-web")),
    ("Document management", "moderate", False, ("dotnet-app", "java-app")),
    ("Statistics warehouse", "moderate", False, ("python-data",)),
    ("Procurement", "low", False, ("ruby-app",)),
    ("Internal wiki", "low", False, ("node-web",)),
    ("Remote access VPN", "high", True, ("rust-service", "go-service")),
    ("Field office file servers", "low", False, ()),
)
