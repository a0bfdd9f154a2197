"""The OpenAPI 3.1 document, generated from the declared endpoints and their pydantic models."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub import __version__
from hub.core.auth import PERMISSIONS
from hub.web.api.endpoint import Endpoint, Router
from hub.web.api.schemas import Error

_ERROR_TEXT = {
    400: "Malformed request (bad JSON or query)",
    401: "Missing, invalid or revoked token",
    403: "The token's role or organization may not do this",
    404: "No such resource, or not visible to this token",
    409: "Same key, different content: update instead",
    413: "Body over the size limit",
    415: "Body is not JSON",
    422: "Body is JSON but not valid for this operation",
}


Mount = tuple[str, list[Router]]
REF = "#/components/schemas/{model}"


def _models(mounts: list[Mount]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {"Error": Error}
    for _, routers in mounts:
        for ep in (ep for router in routers for ep in router.endpoints):
            for model in (ep.body, ep.query, ep.response):
                if model is not None:
                    seen[model.__name__] = model
    return list(seen.values())


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _operation(ep: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": ep.summary,
        "operationId": ep.handler.__name__,
        "tags": [ep.tag],
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in ep.path_params
        ],
        "responses": {},
    }
    if ep.needs is not None:
        roles = sorted(r.value for r in PERMISSIONS[ep.needs])
        op["description"] = f"Needs permission `{ep.needs.value}`: roles {', '.join(roles)}."
        op["x-crsa-permission"] = ep.needs.value
    if ep.query is not None:
        op["parameters"] += _query_parameters(ep.query)
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{ep.body.__name__}"}}
            },
        }
    if ep.document:
        binary = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        upload = {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "contentMediaType": ep.document[0]}},
                "required": ["file"],
            }
        }
        op["requestBody"] = {
            "required": True,
            "content": {**{m: binary for m in ep.document}, "multipart/form-data": upload},
        }
    for status in ep.statuses:
        response: dict[str, Any] = {"description": "OK" if status == 200 else "Created"}
        if ep.response is not None:
            ref = {"$ref": f"#/components/schemas/{ep.response.__name__}"}
            response["content"] = {"application/json": {"schema": ref}}
        op["responses"][str(status)] = response
    codes = set(ep.errors)
    if ep.authenticated:
        codes |= {401, 403}
    if ep.body is not None or ep.document:
        codes |= {400, 413, 415, 422}
    if ep.query is not None:
        codes |= {400}
    if not ep.authenticated:
        op["security"] = []
    for code in sorted(codes):
        op["responses"][str(code)] = {
            "description": _ERROR_TEXT[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return op


def build_openapi(mounts: list[Mount]) -> dict[str, Any]:
    """The document for every endpoint of every (url prefix, routers) mount."""
    spec = APISpec(
        title="crsa-hub API",
        version=__version__,
        openapi_version="3.1.0",
        info={"description": "Continuous risk scoring and threat sharing across agencies."},
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    _, definitions = models_json_schema(
        [
            (m, "validation" if m.__name__.endswith(("In", "Patch")) else "serialization")
            for m in _models(mounts)
        ],
        ref_template=REF,
    )
    for name, schema in definitions.get("$defs", {}).items():
        spec.components.schema(name, schema)
    paths: dict[str, dict[str, Any]] = {}
    for prefix, routers in mounts:
        for ep in (ep for router in routers for ep in router.endpoints):
            paths.setdefault(prefix + ep.openapi_path, {})[ep.method.lower()] = _operation(ep)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
