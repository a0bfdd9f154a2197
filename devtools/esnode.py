"""Real Elasticsearch 8.x nodes on 127.0.0.1 for tests, benchmarks and development.

The distribution comes from Maven Central (the `integ-test-zip` artifact, the same
server code as the full distribution minus optional modules) through Maven's own
cache, is unpacked once under ~/.cache, and runs on the machine's Java 17.
Elasticsearch refuses to run as root, so as root the nodes run as a system user.

    python -m devtools.esnode [--nodes 3] [--port 9200]   # a cluster in the foreground
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from devtools.jvm import QUICK_JIT, Unavailable, cache_dir, fetch, java_home

ES_VERSION = "8.19.21"
RUN_AS = "crsa-es"


def distribution() -> Path:
    """The unpacked distribution, fetched through Maven's cache on first use."""
    home = cache_dir() / f"elasticsearch-{ES_VERSION}"
    if (home / "bin" / "elasticsearch").is_file():
        return home
    archive = fetch("org.elasticsearch.distribution.integ-test-zip", "elasticsearch", ES_VERSION)
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=home.parent))
    staging.chmod(0o755)
    with zipfile.ZipFile(archive) as z:
        z.extractall(staging)
    unpacked = staging / f"elasticsearch-{ES_VERSION}"
    for script in (unpacked / "bin").iterdir():
        script.chmod(0o755)
    for jdk_tool in unpacked.rglob("*"):
        if jdk_tool.is_file() and jdk_tool.parent.name == "bin":
            jdk_tool.chmod(0o755)
    try:
        unpacked.rename(home)
    except OSError:  # another test worker unpacked it first: use theirs
        if not (home / "bin" / "elasticsearch").is_file():
            raise
    shutil.rmtree(staging, ignore_errors=True)
    return home


def es_java_home() -> Path:
    """A Java 17 to 23: Elasticsearch 8 relies on the security manager, gone in 24."""
    return java_home(17, 23, (os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_as() -> tuple[int, int] | None:
    """As root, the uid and gid of the unprivileged user the nodes run as (created if needed)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        subprocess.run(
            [
                shutil.which("useradd") or "/usr/sbin/useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                RUN_AS,
            ],
            check=True,
        )
        entry = pwd.getpwnam(RUN_AS)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, ids: tuple[int, int]) -> None:
    for item in [path, *path.rglob("*")]:
        os.chown(item, *ids)


@dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.http_port}"


@dataclass
class Cluster:
    """One or more nodes of one cluster, on free ports under `workdir`.

    With `secure`, security is on: HTTPS with a throwaway CA (`ca_file`) and the
    `elastic` user's password in `password`.
    """

    size: int = 1
    heap: str = "512m"
    workdir: Path | None = None
    first_http_port: int | None = None
    secure: bool = False
    nodes: list[Node] = field(default_factory=list)
    password: str = ""
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        self._home = distribution()
        self._java = es_java_home()
        self._owned_workdir = self.workdir is None
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix="crsa-es-"))
        for i in range(self.size):
            http = self.first_http_port + i if self.first_http_port else free_port()
            node = Node(f"node-{i}", http, free_port(), self.workdir / f"node-{i}")
            node.scheme = "https" if self.secure else "http"
            self.nodes.append(node)
        if self.secure:
            from devtools.certs import write_test_pki

            self.password = secrets.token_urlsafe(18)
            self.ca_file, _, _ = write_test_pki(self.workdir / "pki")

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def snapshots(self) -> Path:
        """The nodes' `path.repo`: snapshot repositories (backups) live under it."""
        assert self.workdir is not None
        return self.workdir / "snapshots"

    def _configure(self, node: Node) -> Path:
        conf = node.workdir / "config"
        if not conf.exists():
            shutil.copytree(self._home / "config", conf)
        (node.workdir / "data").mkdir(exist_ok=True)
        (node.workdir / "logs").mkdir(exist_ok=True)
        self.snapshots.mkdir(exist_ok=True)
        settings = {
            "cluster.name": "crsa-test",
            "node.name": node.name,
            "network.host": "127.0.0.1",
            "http.port": node.http_port,
            "transport.port": node.transport_port,
            "path.data": str(node.workdir / "data"),
            "path.logs": str(node.workdir / "logs"),
            "path.repo": str(self.snapshots),
            "xpack.security.enabled": self.secure,
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if self.size == 1:
            settings["discovery.type"] = "single-node"
        else:
            seeds = [f"127.0.0.1:{n.transport_port}" for n in self.nodes]
            settings["discovery.seed_hosts"] = seeds
            settings["cluster.initial_master_nodes"] = [n.name for n in self.nodes]
        if self.secure:
            self._secure(conf, settings)
        (conf / "elasticsearch.yml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        )
        return conf

    def _secure(self, conf: Path, settings: dict[str, object]) -> None:
        """HTTPS and transport TLS from the test CA; the bootstrap password in the keystore."""
        assert self.workdir is not None
        certs = conf / "certs"
        shutil.copytree(self.workdir / "pki", certs, dirs_exist_ok=True)
        for layer in ("http", "transport"):
            settings[f"xpack.security.{layer}.ssl.enabled"] = True
            settings[f"xpack.security.{layer}.ssl.key"] = "certs/node.key"
            settings[f"xpack.security.{layer}.ssl.certificate"] = "certs/node.crt"
            settings[f"xpack.security.{layer}.ssl.certificate_authorities"] = ["certs/ca.crt"]
        settings["xpack.security.transport.ssl.verification_mode"] = "certificate"
        env = {**os.environ, "ES_JAVA_HOME": str(self._java), "ES_PATH_CONF": str(conf)}
        tool = str(self._home / "bin" / "elasticsearch-keystore")
        if not (conf / "elasticsearch.keystore").exists():
            subprocess.run([tool, "create"], env=env, check=True, capture_output=True)
        subprocess.run(
            [tool, "add", "-x", "-f", "bootstrap.password"],
            env=env,
            check=True,
            input=self.password.encode(),
            capture_output=True,
        )

    def start_node(self, node: Node) -> None:
        conf = self._configure(node)
        ids = _run_as()
        if ids is not None:
            assert self.workdir is not None
            self.workdir.chmod(0o755)
            _chown_tree(node.workdir, ids)
            os.chown(self.snapshots, *ids)
        env = {
            **os.environ,
            "ES_JAVA_HOME": str(self._java),
            "ES_PATH_CONF": str(conf),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap} {QUICK_JIT}",
        }
        log = (node.workdir / "stdout.log").open("ab")
        node.process = subprocess.Popen(
            [str(self._home / "bin" / "elasticsearch")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=ids[0] if ids else None,
            group=ids[1] if ids else None,
            extra_groups=[] if ids else None,
        )

    def start(self, timeout: float = 240) -> Cluster:
        for node in self.nodes:
            self.start_node(node)
        self.wait_ready(timeout)
        return self

    def health(self, url: str | None = None, query: str = "") -> dict[str, object]:
        target = url or self.live_url()
        url = f"{target}/_cluster/health{query}"
        if not url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
            raise ValueError(f"not a local node: {url}")
        request = urllib.request.Request(url)  # noqa: S310 - checked above
        context = None
        if self.secure:
            token = base64.b64encode(f"elastic:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
            context = ssl.create_default_context(cafile=str(self.ca_file))
        with urllib.request.urlopen(request, timeout=30, context=context) as resp:  # noqa: S310
            health: dict[str, object] = json.load(resp)
            return health

    def live_url(self) -> str:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                return node.url
        raise RuntimeError("no node is running")

    def wait_ready(self, timeout: float = 240, status: str = "yellow") -> None:
        deadline = time.monotonic() + timeout
        running = [n for n in self.nodes if n.process is not None]
        query = f"?wait_for_nodes={len(running)}&wait_for_status={status}&timeout=5s"
        while time.monotonic() < deadline:
            for node in running:
                assert node.process is not None
                if node.process.poll() is not None:
                    raise RuntimeError(f"{node.name} exited:\n{self.tail(node)}")
            try:
                if not self.health(running[0].url, query).get("timed_out", True):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ssl.SSLError):
                pass
            time.sleep(1)
        raise RuntimeError(f"cluster not ready in {timeout} s:\n{self.tail(running[0])}")

    @staticmethod
    def tail(node: Node, lines: int = 40) -> str:
        path = node.workdir / "stdout.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop_node(self, node: Node, *, kill: bool = False) -> None:
        if node.process is None or node.process.poll() is not None:
            return
        os.killpg(node.process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            node.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait()

    def stop(self) -> None:
        for node in self.nodes:
            self.stop_node(node)
        if self._owned_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--port", type=int, default=9200, help="HTTP port of the first node")
    parser.add_argument("--heap", default="512m")
    args = parser.parse_args()
    try:
        cluster = Cluster(size=args.nodes, heap=args.heap, first_http_port=args.port)
    except Unavailable as exc:
        sys.exit(f"error: {exc}")
    with cluster:
        print(f"Elasticsearch {ES_VERSION} ready: {','.join(cluster.urls)} (Ctrl+C stops)")
        print(f"  export CRSA_STORE=elasticsearch CRSA_ES_URL={','.join(cluster.urls)}")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
