"""API tokens: issued and revoked by admins; the secret is shown once."""

from __future__ import annotations

from hub.core.auth import Action
from hub.core.registry import IssuedToken, TokenLifetime
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import IssuedTokenOut, TokenIn, TokenLifetimeIn, TokenList, TokenOut

router = Router("tokens")


@router.route(
    "GET",
    "/tokens",
    summary="List tokens (never their secrets)",
    response=TokenList,
    needs=Action.MANAGE_TOKENS,
)
def list_tokens(call: Call) -> TokenList:
    return TokenList(items=[TokenOut.model_validate(t) for t in call.store.list_tokens()])


@router.route(
    "POST",
    "/tokens",
    summary="Issue a token for an organization and role",
    body=TokenIn,
    response=IssuedTokenOut,
    statuses=(201,),
    errors=(404,),
    needs=Action.MANAGE_TOKENS,
)
def issue_token(call: Call) -> IssuedTokenOut:
    b: TokenIn = call.body
    lifetime = TokenLifetime.of(call.hub.settings, b.expires_in_days)
    issued = call.registry.issue_token(
        call.who, b.org_id, b.role, b.name, call.request_id, lifetime
    )
    return _shown_once(issued)


@router.route(
    "POST",
    "/tokens/<token_id>/rotate",
    summary="Replace a token: its successor's secret, shown once; the old one is revoked",
    body=TokenLifetimeIn,
    response=IssuedTokenOut,
    statuses=(201,),
    errors=(404, 409),
    needs=Action.MANAGE_TOKENS,
)
def rotate_token(call: Call, token_id: str) -> IssuedTokenOut:
    b: TokenLifetimeIn = call.body
    lifetime = TokenLifetime.of(call.hub.settings, b.expires_in_days)
    issued = call.registry.rotate_token(call.who, token_id, call.request_id, lifetime)
    return _shown_once(issued)


@router.route(
    "DELETE",
    "/tokens/<token_id>",
    summary="Revoke a token",
    response=TokenOut,
    errors=(404,),
    needs=Action.MANAGE_TOKENS,
)
def revoke_token(call: Call, token_id: str) -> TokenOut:
    out = call.registry.revoke_token(call.who, token_id, call.request_id)
    return TokenOut.model_validate(out.value)


def _shown_once(issued: IssuedToken) -> IssuedTokenOut:
    """The token and, this once, its secret."""
    return IssuedTokenOut.model_validate({**issued.token.__dict__, "token": issued.secret})
