"""`crsa demo`: a fresh hub full of realistic data, served at once."""

from __future__ import annotations

import random
import shutil
import sys
from datetime import UTC, datetime

import click

from hub.cli import Env, pass_env
from hub.cli.serve import start
from hub.core.errors import ConfigError
from hub.core.settings import default_config_text, load_settings
from hub.core.store import open_store
from hub.demo import build_demo
from hub.demo.dataset import TOTAL_ASSETS
from hub.demo.playbooks import run_playbooks
from hub.demo.threats import seed_threats
from hub.web.server import check_port

MARKER = ".crsa-demo"


def register(main: click.Group) -> None:
    main.add_command(demo)


@click.command()
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8050, show_default=True)
@click.option(
    "--serve/--no-serve",
    "do_serve",
    default=True,
    show_default=True,
    help="Start the hub after building the data.",
)
@pass_env
def demo(env: Env, seed: int, host: str, port: int, do_serve: bool) -> None:
    """Build the demo dataset in a fresh data directory (default ./crsa-data) and serve it."""
    home = env.settings.home
    if home.exists() and any(home.iterdir()) and not (home / MARKER).exists():
        raise ConfigError(
            f"{home} holds data that is not a demo; the demo only replaces its own data",
            hint="pass --home to an empty or new directory, e.g. crsa --home crsa-demo demo",
        )
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / MARKER).write_text(f"seed={seed}\n", encoding="utf-8")
    (home / "crsa.toml").write_text(default_config_text(), encoding="utf-8")
    settings = load_settings(home=home, host=host, port=port)
    if do_serve:
        check_port(settings)  # before minutes of building, not after

    store = open_store(settings, must_exist=False)
    store.migrate()
    click.echo(f"building the demo hub in {home} (seed {seed})", err=True)
    with click.progressbar(length=TOTAL_ASSETS, label="assets", file=sys.stderr) as bar:
        now = datetime.now(UTC)
        summary = build_demo(store, seed=seed, now=now, progress=bar.update)
    click.echo("advisories, matching, partner indicators, sightings and scores ...", err=True)
    threats = seed_threats(store, settings, home / "demo-feeds", now, random.Random(seed))
    acted = run_playbooks(store, settings, threats.outbound_collection)
    click.echo(f"playbooks: {acted.summary()}", err=True)
    for problem in acted.failed:
        click.echo(f"  {problem}", err=True)
    store.close()
    config = default_config_text().replace(
        'share_collection = ""', f'share_collection = "{threats.outbound_collection}"'
    )
    (home / "crsa.toml").write_text(config, encoding="utf-8")

    url = f"http://{host}:{port}"
    click.echo(
        f"\n{summary.organizations} organizations ({summary.agencies} agencies),"
        f" {summary.systems} systems, {summary.assets} assets, {summary.packages} packages;"
        f" {threats.findings_opened} findings, {threats.indicators} partner indicators,"
        f" {threats.sightings} sightings"
    )
    click.echo(f"\nhub: {url}/   health: {url}/healthz   API: {url}/api/v1/openapi.json")
    click.echo(f"dashboards: {url}/ui/  (log in with a token below)")
    click.echo("demo logins, one per role (API bearer tokens and dashboard logins; demo only):")
    for cred in summary.credentials:
        click.echo(f"  {cred.role.value:<17} {cred.organization:<48} {cred.token}")
    admin = summary.credentials[0].token
    click.echo(f'\ntry: curl -H "Authorization: Bearer {admin}" {url}/api/v1/systems?limit=5')
    if do_serve:
        start(settings)
