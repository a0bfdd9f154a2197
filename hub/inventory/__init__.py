"""Inventory: what runs where. Collector batches in (validated against `collectors.wire`),
hosts' software and telemetry kept, findings re-matched when software or feeds change."""
