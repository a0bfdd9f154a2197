"""The `crsa` command. Hub errors print as one clear message, never a traceback."""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import Any

import click

from collectors.files import restrict_umask
from hub import __version__
from hub.core.auth import Principal
from hub.core.errors import HubError
from hub.core.registry import Registry
from hub.core.settings import Settings, load_settings
from hub.core.store import Store, open_store


class HubGroup(click.Group):
    """Turns every HubError raised below into a click error (exit 1, no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HubError as exc:
            raise click.ClickException(exc.diagnostics()) from None


class Env:
    """What every subcommand needs: settings, and the store opened on first use."""

    def __init__(self, home: Path | None) -> None:
        self._home = home
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(home=self._home)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    @property
    def registry(self) -> Registry:
        return Registry(self.store)

    @staticmethod
    def who() -> Principal:
        return Principal.operator(getpass.getuser())

    @staticmethod
    def request_id() -> str:
        return "cli-" + uuid.uuid4().hex

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_env = click.make_pass_decorator(Env)


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crsa")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory (default: $CRSA_HOME or ./crsa-data).",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """crsa-hub: continuous risk scoring and threat sharing across agencies."""
    restrict_umask()  # whatever this run creates (store files, keys, exports) is ours alone
    env = Env(home)
    ctx.obj = env
    ctx.call_on_close(env.close)


def _register() -> None:
    from collectors import cli as collect
    from hub.cli import (
        audit,
        demo,
        exports,
        feeds,
        incidents,
        intel,
        orgs,
        people,
        playbooks,
        sboms,
        score,
        serve,
        setup,
        sharing,
        store,
        systems,
        taxii,
        tokens,
        triage,
    )

    for module in (
        setup,
        orgs,
        systems,
        sboms,
        feeds,
        collect,
        score,
        exports,
        triage,
        taxii,
        sharing,
        incidents,
        intel,
        playbooks,
        tokens,
        people,
        serve,
        audit,
        store,
        demo,
    ):
        module.register(main)


_register()
