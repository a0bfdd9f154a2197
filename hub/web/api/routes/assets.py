"""Assets and the software on them: the inventory that findings are matched against."""

from __future__ import annotations

from datetime import datetime

from hub.core.auth import Action
from hub.core.errors import InvalidSubmission
from hub.core.model import Asset, Package
from hub.core.packages import package_from_purl
from hub.inventory.desk import InventoryDesk
from hub.web.api.endpoint import Call, Router, patch_changes
from hub.web.api.schemas import (
    AssetIn,
    AssetOut,
    AssetPage,
    AssetPatch,
    AssetQuery,
    PackageIn,
    PackageOut,
    PackagePage,
)
from sbom.desk import SbomDesk

router = Router("assets")


def _packages(items: list[PackageIn]) -> list[Package]:
    packages = []
    for index, item in enumerate(items):
        try:
            packages.append(package_from_purl(item.purl))
        except InvalidSubmission as exc:
            raise InvalidSubmission(f"packages.{index}: {exc.message}") from None
    return packages


def _out(asset: Asset, stale_before: datetime | None = None) -> AssetOut:
    stale = stale_before is not None and (asset.last_seen is None or asset.last_seen < stale_before)
    return AssetOut.model_validate(
        {**asset.__dict__, "addresses": list(asset.addresses), "stale": stale}
    )


def _stale_before(call: Call) -> datetime:
    return InventoryDesk(call.store, call.hub.settings).stale_before()


@router.route(
    "GET",
    "/assets",
    summary="List assets visible to the token",
    query=AssetQuery,
    response=AssetPage,
    needs=Action.READ,
)
def list_assets(call: Call) -> AssetPage:
    who = call.who
    q: AssetQuery = call.query
    org_id = who.org_filter(q.org_id)
    if q.system_id is not None:
        call.registry.system(who, q.system_id)
    cutoff = _stale_before(call)
    items = call.store.list_assets(
        org_id=org_id,
        system_id=q.system_id,
        stale_before=cutoff if q.stale else None,
        after=q.after,
        limit=q.limit,
    )
    return AssetPage(
        items=[_out(a, cutoff) for a in items],
        next=items[-1].id if len(items) == q.limit else None,
    )


@router.route(
    "POST",
    "/assets",
    summary="Register an asset and its software (idempotent)",
    body=AssetIn,
    response=AssetOut,
    statuses=(201, 200),
    errors=(404, 409),
    needs=Action.WRITE_INVENTORY,
)
def create_asset(call: Call) -> tuple[AssetOut, int]:
    b: AssetIn = call.body
    out = call.registry.add_asset(
        call.who,
        b.system_id,
        b.identifier,
        hostname=b.hostname,
        os_name=b.os_name,
        os_version=b.os_version,
        addresses=[str(a) for a in b.addresses],
        packages=_packages(b.packages),
        request_id=call.request_id,
    )
    if out.changed and b.packages:
        SbomDesk(call.store, call.hub.settings).inventory_changed(out.value.id, call.request_id)
    return _out(out.value), 201 if out.changed else 200


@router.route(
    "GET",
    "/assets/<asset_id>",
    summary="One asset",
    response=AssetOut,
    errors=(404,),
    needs=Action.READ,
)
def get_asset(call: Call, asset_id: str) -> AssetOut:
    return _out(call.registry.asset(call.who, asset_id), _stale_before(call))


@router.route(
    "PATCH",
    "/assets/<asset_id>",
    summary="Change an asset or replace its software",
    body=AssetPatch,
    response=AssetOut,
    errors=(404,),
    needs=Action.WRITE_INVENTORY,
)
def update_asset(call: Call, asset_id: str) -> AssetOut:
    body: AssetPatch = call.body
    changes = patch_changes(body, keep=("packages",))
    if "addresses" in changes:
        changes["addresses"] = [str(a) for a in changes["addresses"]]
    packages = None if body.packages is None else _packages(body.packages)
    if "packages" in body.model_fields_set and body.packages is None:
        raise InvalidSubmission("cannot set packages to null; send [] to clear them")
    out = call.registry.update_asset(call.who, asset_id, changes, packages, call.request_id)
    if out.changed and packages is not None:
        SbomDesk(call.store, call.hub.settings).inventory_changed(out.value.id, call.request_id)
    return _out(out.value)


@router.route(
    "GET",
    "/assets/<asset_id>/packages",
    summary="The asset's software",
    response=PackagePage,
    errors=(404,),
    needs=Action.READ,
)
def list_asset_packages(call: Call, asset_id: str) -> PackagePage:
    asset = call.registry.asset(call.who, asset_id)
    return PackagePage(
        items=[PackageOut.model_validate(p) for p in call.store.list_asset_packages(asset.id)]
    )
