"""`crsa feeds`: vulnerability intelligence feeds, synced incrementally with progress."""

from __future__ import annotations

import click

from hub.cli import Env, pass_env
from hub.core.vault import Vault
from hub.intelligence.feeds import register as register_feed
from hub.intelligence.feeds import switch
from hub.intelligence.sources import REGISTERED, source_for
from hub.inventory.refresh import refresh
from hub.sharing.partners import PartnerFeeds


def register(main: click.Group) -> None:
    main.add_command(feeds)


def _progress_line(where: str, seen: int, written: int) -> None:
    click.echo(f"\r  {where}: {seen} read, {written} new or changed", err=True, nl=False)


@click.group()
def feeds() -> None:
    """OSV, CISA KEV, FIRST EPSS and JVN iPedia feeds."""


@feeds.command("add")
@click.argument("source", type=click.Choice([s.source.value for s in REGISTERED]))
@click.argument("location", required=False)
@pass_env
def add(env: Env, source: str, location: str | None) -> None:
    """Register LOCATION (a file, directory, zip, or http(s) URL) as a SOURCE feed; without
    LOCATION, the source's publisher (the hub must reach it)."""
    declared = source_for(source)
    where = location or declared.upstream
    if not where:
        raise click.UsageError(f"{source} has no public upstream: give its LOCATION")
    feed = register_feed(env.store, declared.source, where, env.request_id(), env.who().actor)
    click.echo(feed.id)
    click.echo("next: crsa feeds sync", err=True)


@feeds.command("list")
@pass_env
def list_(env: Env) -> None:
    """Registered feeds: id, source, last sync, records, location, "disabled" for a feed
    switched off, and why the last sync failed if it did."""
    for f in env.store.list_feeds():
        when = f.synced_at.strftime("%Y-%m-%dT%H:%M") if f.synced_at else "never"
        line = f"{f.id}\t{f.source.value}\t{when}\t{f.records}\t{f.location}"
        if not f.enabled:
            line += "\tdisabled"
        if f.last_error:
            failed = f.failed_at.strftime("%Y-%m-%dT%H:%M") if f.failed_at else "?"
            line += f"\tfailed {failed}: {f.last_error}"
        click.echo(line)


@feeds.command("disable")
@click.argument("feed")
@pass_env
def disable(env: Env, feed: str) -> None:
    """Stop syncing FEED (its id or location, as `crsa feeds list` shows). What it synced
    stays; its failures no longer fail `crsa feeds sync` or open triage items."""
    done = switch(env.store, feed, False, env.request_id(), env.who().actor)
    click.echo(f"{done.id}\tdisabled\t{done.location}")
    click.echo(f"to sync it again: crsa feeds enable {done.id}", err=True)


@feeds.command("enable")
@click.argument("feed")
@pass_env
def enable(env: Env, feed: str) -> None:
    """Sync FEED again (its id or location); its next sync reads it whole."""
    done = switch(env.store, feed, True, env.request_id(), env.who().actor)
    click.echo(f"{done.id}\tenabled\t{done.location}")
    click.echo("next: crsa feeds sync", err=True)


@feeds.command("sync")
@pass_env
def sync(env: Env) -> None:
    """Fetch what changed in every enabled feed, then re-match current SBOMs if anything
    did."""
    registered = env.store.list_feeds()
    if not registered:
        raise click.ClickException(
            "no feeds registered; add one first, e.g. crsa feeds add osv ./osv-advisories"
        )
    if not any(f.enabled for f in registered):
        raise click.ClickException(
            f"all {len(registered)} feeds are disabled; enable one (crsa feeds enable ID)"
            " or add one (crsa feeds add SOURCE LOCATION)"
        )
    last = [""]

    def progress(where: str, seen: int, written: int) -> None:
        if last[0] and last[0] != where:
            click.echo(err=True)
        last[0] = where
        _progress_line(where, seen, written)

    def rematching(n: int, total: int, subject: str) -> None:
        click.echo(f"\r  re-matching SBOM {n}/{total}", err=True, nl=False)

    results, report = refresh(
        env.store, env.settings, env.request_id(), progress=progress, rematch_progress=rematching
    )
    if last[0]:
        click.echo(err=True)
    for r in results:
        state = "unchanged" if r.unchanged else f"{r.written} written of {r.feed.records}"
        state = f"failed: {r.error}" if r.error else state
        click.echo(f"{r.feed.source.value}\t{state}\t{r.feed.location}")
        for where, why in r.skipped[:5]:
            click.echo(f"  skipped {where}: {why}", err=True)
        if len(r.skipped) > 5:
            click.echo(f"  ... and {len(r.skipped) - 5} more skipped", err=True)
    if report is not None:
        click.echo(
            f"re-matched {report.sboms} SBOM(s) and {report.assets} host(s):"
            f" {report.opened} findings opened,"
            f" {report.fixed} fixed, {report.updated} updated",
            err=True,
        )
    failed = [r for r in results if r.error]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(results)} feeds failed (the others were synced);"
            " fix their location or wait for it to answer, then run crsa feeds sync again"
        )


@feeds.group("taxii")
def taxii_feeds() -> None:
    """Partner TAXII 2.1 collections synced into the hub's collections."""


@taxii_feeds.command("add")
@click.option("--url", required=True, help="The partner collection's URL.")
@click.option("--collection", "into", required=True, help="The hub collection to fill.")
@click.option("--org", "org_id", required=True, help="The partner organization it comes from.")
@click.option("--user", default="", help="HTTP Basic user at the partner.")
@click.option(
    "--password", default="", envvar="CRSA_TAXII_PASSWORD", help="Or $CRSA_TAXII_PASSWORD."
)
@click.option(
    "--push",
    is_flag=True,
    help="Push the hub collection to the partner's (as far as TLP lets the partner read it)"
    " instead of syncing the partner's in.",
)
@pass_env
def taxii_add(
    env: Env, url: str, into: str, org_id: str, user: str, password: str, push: bool
) -> None:
    """Register a partner collection and print the feed's id. Served hubs sync and push
    every feed each `sharing_interval` seconds."""
    feed = PartnerFeeds(env.store, Vault.of(env.settings.home)).add(
        env.who(),
        url,
        into,
        org_id,
        env.request_id(),
        user=user,
        password=password,
        direction="out" if push else "in",
    )
    click.echo(feed.id)
    click.echo(
        f"{'push' if push else 'fetch'} it now with: crsa feeds taxii sync {feed.id}", err=True
    )


@taxii_feeds.command("list")
@pass_env
def taxii_list(env: Env) -> None:
    """Each partner feed with its bookmark, last sync and last error."""
    for f in PartnerFeeds(env.store, Vault.of(env.settings.home)).list():
        when = f.last_sync.isoformat(timespec="seconds") if f.last_sync else "never"
        state = f"error: {f.last_error}" if f.last_error else "ok"
        click.echo(
            f"{f.id}\t{f.url}\tinto {f.collection_id}\tsynced {when}\tafter {f.added_after or '-'}"
            f"\t{f.received} objects\t{state}"
        )


@taxii_feeds.command("sync")
@click.argument("feed_ids", nargs=-1)
@pass_env
def taxii_sync(env: Env, feed_ids: tuple[str, ...]) -> None:
    """Fetch what each partner added since the last sync (every feed, or those named)."""
    desk = PartnerFeeds(env.store, Vault.of(env.settings.home))
    chosen = list(feed_ids) or [f.id for f in desk.list()]
    if not chosen:
        click.echo("no partner feeds; add one with: crsa feeds taxii add", err=True)
        return
    pushes = {f.id for f in desk.list() if f.direction == "out"}
    for feed_id in chosen:
        step = desk.push if feed_id in pushes else desk.sync
        result = step(
            feed_id,
            env.request_id(),
            progress=lambda pages, seen: click.echo(f"  page {pages}: {seen} objects", err=True),
        )
        verb = ("pushed", "accepted") if feed_id in pushes else ("received", "kept")
        click.echo(
            f"{feed_id}: {result.received} {verb[0]}, {result.kept} {verb[1]},"
            f" {result.refused} refused; next after {result.feed.added_after or '-'}"
        )
