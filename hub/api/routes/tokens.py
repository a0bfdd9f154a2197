"""API tokens: issued and revoked by admins; the secret is shown once."""

from __future__ import annotations

from hub.api.endpoint import Call, Router
from hub.api.schemas import IssuedTokenOut, TokenIn, TokenList, TokenOut
from hub.auth import Action

router = Router("tokens")


@router.route("GET", "/tokens", summary="List tokens (never their secrets)", response=TokenList)
def list_tokens(call: Call) -> TokenList:
    call.who.require(Action.MANAGE_TOKENS)
    return TokenList(items=[TokenOut.model_validate(t) for t in call.store.list_tokens()])


@router.route(
    "POST",
    "/tokens",
    summary="Issue a token for an organization and role",
    body=TokenIn,
    response=IssuedTokenOut,
    statuses=(201,),
    errors=(404,),
)
def issue_token(call: Call) -> IssuedTokenOut:
    b: TokenIn = call.body
    issued = call.registry.issue_token(call.who, b.org_id, b.role, b.name, call.request_id)
    return IssuedTokenOut.model_validate({**issued.token.__dict__, "token": issued.secret})


@router.route(
    "DELETE", "/tokens/<token_id>", summary="Revoke a token", response=TokenOut, errors=(404,)
)
def revoke_token(call: Call, token_id: str) -> TokenOut:
    out = call.registry.revoke_token(call.who, token_id, call.request_id)
    return TokenOut.model_validate(out.value)
