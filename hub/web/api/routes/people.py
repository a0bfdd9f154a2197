"""People who sign in through the identity provider: listed, and shut out or let back in
by admins. Who they are to the hub is decided at each sign-in (`hub.people`)."""

from __future__ import annotations

from hub.core.auth import Action
from hub.people import People
from hub.web.api.endpoint import Call, Router
from hub.web.api.schemas import PersonList, PersonOut, PersonStateIn

router = Router("people")


@router.route(
    "GET",
    "/persons",
    summary="List the people who signed in through the identity provider",
    response=PersonList,
    needs=Action.MANAGE_PEOPLE,
)
def list_people(call: Call) -> PersonList:
    found = People(call.store).list(call.who)
    return PersonList(items=[PersonOut.model_validate(p) for p in found])


@router.route(
    "PATCH",
    "/persons/<person_id>",
    summary="Disable a person (their sessions end at once) or enable them again",
    body=PersonStateIn,
    response=PersonOut,
    errors=(404,),
    needs=Action.MANAGE_PEOPLE,
)
def set_person_state(call: Call, person_id: str) -> PersonOut:
    b: PersonStateIn = call.body
    done = People(call.store).set_disabled(call.who, person_id, b.disabled, call.request_id)
    return PersonOut.model_validate(done)
