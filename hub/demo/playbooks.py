"""The demo's "Action": the built-in playbooks run once over the demo's findings and
sightings, so the triage queue, asset tags and shared sightings show them at first sight."""

from __future__ import annotations

from dataclasses import replace

from hub.core.settings import Settings
from hub.core.store import Store
from playbooks.engine import Engine, EngineRun


def run_playbooks(store: Store, settings: Settings, share_collection: str) -> EngineRun:
    engine, refused = Engine.configured(store, replace(settings, share_collection=share_collection))
    run = engine.run_once("demo-playbooks")
    run.failed += [e.message for e in refused]
    return run
