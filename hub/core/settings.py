"""Typed settings: defaults, then `CRSA_HOME/crsa.toml`, then `CRSA_*` environment variables.

The layering lets an operator keep a reviewed file in the data directory while
containers and tests override single values through the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.core.errors import ConfigError

CONFIG_FILE = "crsa.toml"
DEFAULT_HOME = "./crsa-data"
STORES = ("sqlite", "elasticsearch")


@dataclass(frozen=True)
class Settings:
    """Everything the hub reads from its environment, checked once at start-up."""

    home: Path = field(default_factory=lambda: Path(DEFAULT_HOME))
    store: str = "sqlite"
    max_request_bytes: int = 16 * 1024 * 1024
    # SBOM and VEX uploads: big products list tens of thousands of components.
    max_sbom_bytes: int = 256 * 1024 * 1024
    max_sbom_components: int = 250_000
    # An asset whose collector has not reported for this many days is flagged stale.
    stale_after_days: int = 7
    # A scoring policy file (docs/scoring.md); empty: the default shipped in hub/risk/scoring.
    scoring_policy: str = ""
    # Seconds between the server's incremental scoring runs; 0 turns them off.
    score_interval: int = 60
    # Seconds between the server's sharing runs (partner feeds in, indicator matching, the
    # hub's publication, pushes out); 0 turns them off (`crsa sharing run` by hand).
    sharing_interval: int = 300
    # The hub collection each sharing run publishes into; empty: publish nothing on its own.
    share_collection: str = ""
    # The sharing policy: whether shared sightings and indicators name the agencies that saw
    # them (their identities); by default they say only how many.
    share_agency_names: bool = False
    # Playbooks (docs/playbooks.md): the built-in ones in the package, more in a directory;
    # the served hub runs them every `playbook_interval` seconds (0: off).
    playbooks_builtin: bool = True
    playbooks_dir: str = ""
    playbook_interval: int = 60
    # Where e-mail actions send from; empty host: e-mail actions fail with a clear reason.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "crsa-hub@localhost"
    smtp_ca_file: str = ""
    # The dashboards' language until a user picks one: "ja" or "en".
    ui_language: str = "ja"
    # Mark the dashboards' session cookie Secure even when the request reaches the hub over
    # plain HTTP (a TLS proxy in front); over HTTPS it is Secure anyway.
    ui_secure_cookies: bool = False
    # Sign-in through the organisation's identity provider (OIDC, authorization code flow
    # with PKCE): the issuer's URL (its /.well-known/openid-configuration is read), the
    # hub's client there, and the ID-token claim whose values `crsa idp map` maps.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_groups_claim: str = "groups"
    # Dashboard sessions end after this long without a request, and this long after
    # sign-in whatever; an export from the dashboards needs a sign-in this recent.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    reauth_minutes: int = 15
    # The hub's log lines (one per request and per background run): "json" or "text".
    log_format: str = "json"
    # Addresses and networks (comma-separated) that may scrape /metrics without a token;
    # an admin's token may always.
    metrics_allow: str = ""
    # API tokens (for machines): how long a new one holds unless told, and at most.
    token_days: int = 90
    token_max_days: int = 365
    host: str = "127.0.0.1"
    port: int = 8050
    workers: int = 2
    threads: int = 4
    # The Elasticsearch store (CRSA_STORE=elasticsearch); es_url may list nodes, comma-separated.
    es_url: str = "http://127.0.0.1:9200"
    es_api_key: str = ""
    es_username: str = ""
    es_password: str = ""
    es_ca_file: str = ""
    es_index_prefix: str = "crsa"
    es_shards: int = 1
    es_replicas: int = 0
    es_timeout: int = 30

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise ConfigError(
                f"store {self.store!r} is not supported",
                hint=f"set CRSA_STORE to one of: {', '.join(STORES)}",
            )
        for name in (
            "max_request_bytes",
            "max_sbom_bytes",
            "max_sbom_components",
            "stale_after_days",
            "port",
            "smtp_port",
            "workers",
            "threads",
            "es_shards",
            "es_timeout",
            "token_days",
            "token_max_days",
            "session_idle_minutes",
            "session_max_hours",
            "reauth_minutes",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(f"setting {name} must be a positive number")
        for name in ("score_interval", "sharing_interval", "playbook_interval"):
            if getattr(self, name) < 0:
                raise ConfigError(f"setting {name} must be 0 (off) or more seconds")
        if self.log_format not in ("json", "text"):
            raise ConfigError(f"setting log_format {self.log_format!r} is neither json nor text")
        if self.ui_language not in ("ja", "en"):
            raise ConfigError(f"setting ui_language {self.ui_language!r} is neither ja nor en")
        if self.es_replicas < 0:
            raise ConfigError("setting es_replicas must be 0 or more")
        if not self.es_index_prefix or self.es_index_prefix != self.es_index_prefix.lower():
            raise ConfigError("setting es_index_prefix must be non-empty and lower-case")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ConfigError(
                "setting oidc_issuer needs oidc_client_id and oidc_client_secret as well",
                hint="register the hub as a confidential client at the identity provider",
            )
        if self.oidc_issuer and not self.oidc_issuer.startswith(("https://", "http://")):
            raise ConfigError(f"setting oidc_issuer {self.oidc_issuer!r} is not a URL")
        for entry in filter(None, (e.strip() for e in self.metrics_allow.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigError(
                    f"setting metrics_allow: {entry!r} is not an address or network"
                ) from None
        if self.token_days > self.token_max_days:
            raise ConfigError(
                f"setting token_days ({self.token_days}) exceeds token_max_days"
                f" ({self.token_max_days})"
            )
        if self.es_username and not self.es_password:
            raise ConfigError("setting es_username needs es_password as well")

    @property
    def sqlite_path(self) -> Path:
        return self.home / "crsa.db"

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, raw: Any, source: str) -> Any:
    kind = _FIELDS[name].type
    try:
        if kind == "int":
            if isinstance(raw, bool):
                raise ValueError
            return int(raw)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text in ("true", "1", "yes")
        if kind == "Path":
            return Path(str(raw)).expanduser()
        if not isinstance(raw, str):
            raise ValueError
        return raw
    except ValueError:
        raise ConfigError(f"{source}: {raw!r} is not a valid value for {name} ({kind})") from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from defaults, the TOML file in the home, the environment and overrides."""
    env = os.environ if env is None else env
    home = Path(overrides.get("home") or env.get("CRSA_HOME") or DEFAULT_HOME).expanduser()
    values: dict[str, Any] = {"home": home}
    config_path = home / CONFIG_FILE
    if config_path.is_file():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: {exc}", hint="fix the file or remove it") from None
        section = data.get("hub", data)
        for key, raw in section.items():
            if key not in _FIELDS or key == "home":
                raise ConfigError(
                    f"{config_path}: unknown setting {key!r}",
                    hint=f"known settings: {', '.join(sorted(set(_FIELDS) - {'home'}))}",
                )
            values[key] = _coerce(key, raw, str(config_path))
    for name in _FIELDS:
        var = f"CRSA_{name.upper()}"
        if name != "home" and var in env:
            values[name] = _coerce(name, env[var], var)
    for name, raw in overrides.items():
        if raw is not None and name != "home":
            values[name] = _coerce(name, raw, "override")
    return Settings(**values)


def as_environment(settings: Settings) -> dict[str, str]:
    """`settings` as CRSA_* variables: a child process (the scorer beside the server) then
    loads exactly these, whatever the file or the parent's overrides said."""
    env = {f"CRSA_{name.upper()}": str(getattr(settings, name)) for name in _FIELDS}
    return env


def default_config_text() -> str:
    """The commented file `crsa init` writes, so operators see every knob."""
    s = Settings()
    return (
        "# crsa-hub settings. CRSA_<NAME> environment variables override these.\n"
        "[hub]\n"
        f'store = "{s.store}"\n'
        f"max_request_bytes = {s.max_request_bytes}\n"
        f"max_sbom_bytes = {s.max_sbom_bytes}\n"
        f"max_sbom_components = {s.max_sbom_components}\n"
        f"stale_after_days = {s.stale_after_days}\n"
        f'host = "{s.host}"\n'
        f"port = {s.port}\n"
        f"workers = {s.workers}\n"
        f"threads = {s.threads}\n"
        f'scoring_policy = "{s.scoring_policy}"  # empty: the default policy\n'
        f"score_interval = {s.score_interval}  # seconds between scoring runs; 0: off\n"
        f"sharing_interval = {s.sharing_interval}  # seconds between sharing runs; 0: off\n"
        f'share_collection = "{s.share_collection}"  # collection id to publish into\n'
        "share_agency_names = false  # true: shared sightings name the agencies\n"
        f'ui_language = "{s.ui_language}"  # the dashboards\' default language: ja or en\n'
        "ui_secure_cookies = false  # true behind a TLS proxy: session cookies only over HTTPS\n"
        '# oidc_issuer = ""  # sign-in through an identity provider (docs/operations.md)\n'
        '# oidc_client_id = ""\n'
        '# oidc_client_secret = ""\n'
        f'# oidc_groups_claim = "{s.oidc_groups_claim}"  # the claim `crsa idp map` maps\n'
        f"session_idle_minutes = {s.session_idle_minutes}  # a dashboard session left idle ends\n"
        f"session_max_hours = {s.session_max_hours}  # and ends this long after sign-in anyway\n"
        f"reauth_minutes = {s.reauth_minutes}  # exports need a sign-in this recent\n"
        f'log_format = "{s.log_format}"  # the hub\'s log lines: json or text\n'
        '# metrics_allow = "127.0.0.1"  # may scrape /metrics without a token\n'
        f"token_days = {s.token_days}  # how long a new API token holds unless told\n"
        f"token_max_days = {s.token_max_days}  # and the longest it may\n"
        "playbooks_builtin = true  # run the playbooks shipped in the package\n"
        f'playbooks_dir = "{s.playbooks_dir}"  # a directory of more playbooks (*.yaml)\n'
        f"playbook_interval = {s.playbook_interval}  # seconds between playbook runs; 0: off\n"
        "\n# For e-mail actions:\n"
        '# smtp_host = ""\n'
        f"# smtp_port = {s.smtp_port}\n"
        "# smtp_starttls = false\n"
        '# smtp_username = ""  and  smtp_password = ""\n'
        f'# smtp_from = "{s.smtp_from}"\n'
        '# smtp_ca_file = ""  (CA bundle to check the server\'s STARTTLS certificate)\n'
        '\n# With store = "elasticsearch":\n'
        f'# es_url = "{s.es_url}"  (several nodes: comma-separated)\n'
        '# es_api_key = ""  or  es_username = "" and es_password = ""\n'
        '# es_ca_file = ""  (CA bundle for https:// URLs)\n'
        f'# es_index_prefix = "{s.es_index_prefix}"\n'
        f"# es_shards = {s.es_shards}\n"
        f"# es_replicas = {s.es_replicas}\n"
        f"# es_timeout = {s.es_timeout}\n"
    )
