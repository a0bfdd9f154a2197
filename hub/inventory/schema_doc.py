"""The published JSON schema of inventory documents (docs/inventory.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from hub.inventory.schema import InventoryIn


def inventory_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "crsa-inventory/1: one collector batch from one host",
        **InventoryIn.model_json_schema(by_alias=True),
    }


def render() -> str:
    return json.dumps(inventory_schema(), indent=2) + "\n"


if __name__ == "__main__":  # python -m hub.inventory.schema_doc > docs/inventory.schema.json
    print(render(), end="")
