"""A real Keycloak on 127.0.0.1 for tests and development: the identity provider the
dashboards' OIDC sign-in is tested against.

The distribution (`org.keycloak:keycloak-quarkus-dist`) comes from Maven Central through
Maven's cache, is unpacked once under the cache directory and built once for an
in-memory database (`kc.sh build`), so each start skips Quarkus' build step. Keycloak 26
needs Java 21 or newer; the machine's default Java may be older, so JAVA_HOME is set for
Keycloak alone. Each start imports `keycloak-realm.json` (realm `crsa`: the hub's client,
two agencies' groups, a SOC analysts' group and their users) into an empty database.

    python -m devtools.keycloak [--port 8180]   # a provider in the foreground
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.esnode import free_port
from devtools.jvm import QUICK_JIT, Unavailable, cache_dir, fetch, java_home

KC_VERSION = "26.7.3"
REALM_FILE = Path(__file__).with_name("keycloak-realm.json")
REALM = "crsa"
CLIENT_ID = "crsa-hub"
ADMIN = ("admin", "crsa-admin-pass")
BUILT = ".crsa-built"


def distribution() -> Path:
    """The unpacked distribution, built for an in-memory database, made on first use."""
    home = cache_dir() / f"keycloak-{KC_VERSION}"
    if (home / BUILT).is_file():
        return home
    archive = fetch("org.keycloak", "keycloak-quarkus-dist", KC_VERSION)
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=home.parent))
    with zipfile.ZipFile(archive) as z:
        z.extractall(staging)
    unpacked = staging / f"keycloak-{KC_VERSION}"
    for script in (unpacked / "bin").iterdir():
        script.chmod(0o755)
    done = subprocess.run(
        # One node with an in-memory database: no cluster to discover, nothing to keep.
        [str(unpacked / "bin" / "kc.sh"), "build", "--db=dev-mem", "--cache=local"],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Unavailable(f"kc.sh build failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    (unpacked / BUILT).write_text(KC_VERSION)
    try:
        unpacked.rename(home)
    except OSError:  # another process built it first: use theirs
        if not (home / BUILT).is_file():
            raise
    shutil.rmtree(staging, ignore_errors=True)
    return home


def _env() -> dict[str, str]:
    java = java_home(21, 99, (os.environ.get("KC_JAVA_HOME"), os.environ.get("JAVA_HOME")))
    return {
        **os.environ,
        "JAVA_HOME": str(java),
        "JAVA_OPTS_APPEND": QUICK_JIT,
        "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN[0],
        "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
    }


@dataclass
class Keycloak:
    """One Keycloak with the test realm, on a free port (or `port`)."""

    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="crsa-kc-")))
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self._home = distribution()
        self.port = self.port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{REALM}"

    @property
    def client_secret(self) -> str:
        realm: dict[str, Any] = json.loads(REALM_FILE.read_text())
        secret: str = next(c for c in realm["clients"] if c["clientId"] == CLIENT_ID)["secret"]
        return secret

    def start(self, timeout: float = 240) -> Keycloak:
        # `--import-realm` reads the distribution's data/import; every start writes the
        # same file there, into a database that starts empty.
        imports = self._home / "data" / "import"
        imports.mkdir(parents=True, exist_ok=True)
        shutil.copy(REALM_FILE, imports / "crsa-realm.json")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "keycloak.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(self._home / "bin" / "kc.sh"),
                "start",
                "--optimized",
                "--http-enabled=true",
                "--hostname-strict=false",
                "--http-host=127.0.0.1",
                f"--http-port={self.port}",
                "--import-realm",
            ],
            env=_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Keycloak exited:\n{self.tail()}")
            try:
                self.get_json(f"{self.issuer}/.well-known/openid-configuration")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        raise RuntimeError(f"Keycloak not ready in {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        path = self.workdir / "keycloak.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # The admin REST API, for tests that change users as a provider's administrator would.
    def get_json(self, url: str, token: str = "") -> Any:
        return self._call("GET", url, token=token)

    def _call(
        self, method: str, url: str, body: Any = None, token: str = "", form: bool = False
    ) -> Any:
        if not url.startswith(self.url):
            raise ValueError(f"not this provider: {url}")
        data = None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data, headers, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - checked above
            raw = resp.read()
            return json.loads(raw) if raw else None

    def admin_token(self) -> str:
        answer = self._call(
            "POST",
            f"{self.url}/realms/master/protocol/openid-connect/token",
            {"grant_type": "password", "client_id": "admin-cli",
             "username": ADMIN[0], "password": ADMIN[1]},
            form=True,
        )  # fmt: skip
        token: str = answer["access_token"]
        return token

    def set_user_enabled(self, username: str, enabled: bool) -> None:
        token = self.admin_token()
        admin = f"{self.url}/admin/realms/{REALM}/users"
        found = self.get_json(f"{admin}?username={urllib.parse.quote(username)}&exact=true", token)
        self._call("PUT", f"{admin}/{found[0]['id']}", {"enabled": enabled}, token=token)

    def password_grant(self, username: str, password: str) -> dict[str, Any]:
        """Tokens straight from the token endpoint (the test realm's client allows it):
        a real, signed ID token for tests of its validation."""
        answer: dict[str, Any] = self._call(
            "POST",
            f"{self.issuer}/protocol/openid-connect/token",
            {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": self.client_secret,
             "username": username, "password": password, "scope": "openid profile email"},
            form=True,
        )  # fmt: skip
        return answer

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Keycloak:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8180)
    args = parser.parse_args()
    with Keycloak(port=args.port) as kc:
        print(f"Keycloak {KC_VERSION}: issuer {kc.issuer}; admin {ADMIN[0]} / {ADMIN[1]}")
        print("users: hanako / analyst-pass (SOC analysts), taro / agency-pass (agency-a)")
        print("Ctrl-C to stop")
        try:
            while kc.process is not None and kc.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
