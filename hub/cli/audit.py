"""`crsa audit`: check the hash chain."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core import audit as audit_log
from hub.core.errors import AuditChainBroken


def register(main: click.Group) -> None:
    main.add_command(audit)


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@pass_env
def verify(env: Env) -> None:
    """Walk the whole chain; name the first entry that does not hold."""
    result = audit_log.verify(env.store.iter_audit())
    if not result.ok:
        raise AuditChainBroken(
            f"audit chain broken at entry {result.broken_seq}: {result.reason}"
            f" ({result.checked} entries before it verified)",
            hint="compare with an exported chain head; restore the store from a backup",
        )
    click.echo(f"audit chain ok: {result.checked} entries, head {result.head}")
