"""Classroom rooms (docs/contracts.md §7): a presenter's stepper drives the followers' steppers.

REST creates, reads and ends a room and draws its join link as a QR code; the WebSocket carries the
presenter's state, the audience count and the questions (server/backprop_playground/rooms/). `GET
/join/{code}` serves the stepper page, which reads the code from its path.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response, WebSocket
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from backprop_playground.admission.fair import RateQuota, client_group, current_client
from backprop_playground.api.errors import ErrorBody
from backprop_playground.lifespans import shared_by_servers
from backprop_playground.rooms import open_bus, protocol
from backprop_playground.rooms.bus import CodeTaken, Lifetime, OwnerFull, RoomsFull, Snapshot
from backprop_playground.rooms.registry import Registry, public_question
from backprop_playground.schema.api import RequestModel, WireModel
from backprop_playground.settings import Settings
from backprop_playground.store import hash_token, new_token, owner_of


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The registry and its bus from the first server start to the last stop, counted apart from app.py's
    services (tests run several servers on one app) so that the rooms' services stay in their router."""
    state = app.state

    async def start() -> None:
        settings: Settings = state.settings
        state.room_misses = RateQuota(settings.room_misses_per_minute, "room_misses_per_minute",
                                      "looking up room codes that do not exist")
        state.room_registry = Registry(
            open_bus(settings, state.hub.store.engine), ttl_s=settings.room_ttl_s,
            max_followers=settings.room_max_followers, streams_per_client=settings.room_streams_per_client,
            send_timeout_s=settings.stream_send_timeout_s, misses=state.room_misses)
        await state.room_registry.start()
        state.room_quota = RateQuota(settings.room_creates_per_minute, "room_creates_per_minute",
                                     "creating rooms")

    async def stop() -> None:
        await state.room_registry.close()

    async with shared_by_servers(state, "room_servers", start, stop):
        yield


router = APIRouter(prefix="/rooms", tags=["rooms"], lifespan=_lifespan)
pages = APIRouter()

RoomCode = Annotated[str, Path(description="The room's six-character code (any case; anything else is 404).")]
_presenter = HTTPBearer(
    auto_error=False, scheme_name="presenter_token",
    description="The `presenter_token` returned when the room was created: `Authorization: Bearer <token>`.",
)


_MISSES = ("This client looked up too many codes that do not exist (`room_misses_per_minute`; Retry-After "
           "says when).")


def _errors(**described: str) -> dict[int | str, dict[str, Any]]:
    return {int(code[1:]): {"model": ErrorBody, "description": text} for code, text in described.items()}


class CreateIn(RequestModel):
    title: str = Field(default="", max_length=200, description="Shown to the followers.")


class Created(WireModel):
    """A new room. Keep `presenter_token`: it is shown once and is the only way to publish."""

    code: str = Field(examples=["K3MXRT"])
    presenter_token: str
    join_url: str = Field(examples=["https://playground.example.org/join/K3MXRT"])
    expires_in_s: float = Field(description="The room ends after this long without its presenter.")


class RoomOut(WireModel):
    """A room as a late joiner finds it."""

    code: str
    title: str
    followers: int
    seq: int = Field(description="The seq of the current state (0: none yet).")
    state: dict[str, Any] | None = Field(description="The presenter's latest state.")
    question: dict[str, Any] | None = Field(description='The open question {"id", "node", "label", "prompt", '
                                                       '"revealed"}.')


def _registry(request: Request) -> Registry:
    return request.app.state.room_registry


def _join_url(request: Request, code: str) -> str:
    public = request.app.state.settings.public_url
    base = public.rstrip("/") + "/" if public else str(request.base_url)
    return f"{base}join/{code}"


async def _room(request: Request, raw: str) -> Snapshot:
    """The live room of code `raw`, or 404. Unknown codes count against the client's
    `room_misses_per_minute` (429 once used up, before any lookup), so codes cannot be enumerated; codes
    of live rooms do not (a whole hall joins from one address)."""
    misses, client = request.app.state.room_misses, client_group(current_client())
    misses.check(client)
    code = protocol.normalize_code(raw)
    snapshot = await _registry(request).bus.load(code) if code else None
    if snapshot is None:
        _registry(request).missed(current_client())
        raise HTTPException(404, f"no room {raw[:16]!r} (or it has ended)")
    return snapshot


@router.post("", status_code=201, response_model=Created, summary="Open a room; answers its code and "
             "presenter token", responses=_errors(
                 _400="The body could not be read.",
                 _422="The body is invalid (`title` over 200 characters).",
                 _429="This client creates rooms too fast (`room_creates_per_minute`) or already keeps "
                 "`rooms_per_client` live rooms (Retry-After says when).",
                 _503="The server already keeps `max_rooms` live rooms (Retry-After says when to retry)."))
async def create_room(request: Request, response: Response, body: CreateIn | None = None) -> Created:
    state, settings = request.app.state, request.app.state.settings
    client = client_group(current_client())  # an IPv6 /64 is one client here
    state.room_quota.take(client)  # 429 beyond room_creates_per_minute
    bus = _registry(request).bus
    token = new_token()
    life = Lifetime(first_s=min(settings.room_unpresented_ttl_s, settings.room_ttl_s),
                    presented_s=settings.room_ttl_s)
    for _ in range(8):
        code = protocol.new_code()
        try:
            await bus.create(code, body.title if body else "", hash_token(token), life, settings.max_rooms,
                             owner=owner_of(client), per_owner=settings.rooms_per_client)
            break
        except CodeTaken:
            continue
        except OwnerFull:
            raise HTTPException(
                429, f"this client already keeps {settings.rooms_per_client} live rooms (rooms_per_client): "
                "end a class you no longer use (its End class button, or DELETE /api/v1/rooms/{code} with "
                f"its presenter token); a room nobody presents to ends after "
                f"{settings.room_unpresented_ttl_s:g} s", headers={"Retry-After": "60"}) from None
        except RoomsFull:
            raise HTTPException(
                503, f"the server already keeps {settings.max_rooms} live rooms (max_rooms): retry in a "
                f"minute (a room nobody presents to ends after {settings.room_unpresented_ttl_s:g} s), "
                "or ask the operator to raise BACKPROP_MAX_ROOMS", headers={"Retry-After": "60"}) from None
    else:  # 64 million codes: eight draws in a row taken means the alphabet is nearly used up
        raise HTTPException(503, "no free room code; retry", headers={"Retry-After": "1"})
    response.headers["Location"] = f"/api/v1/rooms/{code}"
    return Created(code=code, presenter_token=token, join_url=_join_url(request, code),
                   expires_in_s=settings.room_ttl_s)


@router.get("/{code}", response_model=RoomOut, summary="Read a room: its current state and open question",
            responses=_errors(_404="No such room, or it has ended.", _429=_MISSES))
async def get_room(code: RoomCode, request: Request) -> RoomOut:
    room = await _room(request, code)
    return RoomOut(code=room.code, title=room.title, followers=room.followers, seq=room.seq, state=room.state,
                   question=public_question(room.question))


@router.get("/{code}/qr.svg", response_class=Response, summary="The join link as a QR code (SVG)",
            responses={200: {"content": {"image/svg+xml": {}}},
                       **_errors(_404="No such room, or it has ended.", _429=_MISSES)})
async def room_qr(code: RoomCode, request: Request) -> Response:
    room = await _room(request, code)
    url = _join_url(request, room.code)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=4, xmldecl=False,
                                   title=f"Join room {room.code}: {url}")
    # The same room always draws the same link; the room lives at most room_ttl_s without its presenter.
    return Response(buffer.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.delete("/{code}", status_code=204, response_class=Response, summary="End a room (its connections "
               "close with 4404)", responses=_errors(
                   _401="The presenter token is missing: send `Authorization: Bearer <presenter_token>`.",
                   _403="The presenter token is not this room's.",
                   _404="No such room, or it has ended.", _429=_MISSES))
async def delete_room(
    code: RoomCode, request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_presenter)],
) -> Response:
    if credentials is None:
        raise HTTPException(401, "no presenter token: send Authorization: Bearer <presenter_token>",
                            headers={"WWW-Authenticate": "Bearer"})
    room = await _room(request, code)
    if not protocol.token_matches(credentials.credentials, room.token_hash):
        raise HTTPException(403, "this is not the room's presenter token")
    await _registry(request).bus.delete(room.code)
    return Response(status_code=204)


@router.websocket("/{code}/stream")
async def room_stream(websocket: WebSocket, code: str) -> None:
    """First message {"type": "auth", "token": "<presenter_token>"} or {"type": "follow"}; then the
    messages of docs/contracts.md §7. Close codes: 4400 bad message, 4403 bad token, 4404 unknown room,
    4408 too slow, 4413 message too large, 4429 room full or too many streams from this client."""
    await websocket.accept()
    await websocket.app.state.room_registry.serve(websocket, code, current_client())


@pages.get("/join/{code}", include_in_schema=False)
def join_page(request: Request, code: str) -> Response:
    """The stepper page, as `/` serves it; it reads the code from its path and asks GET /api/v1/rooms/{code}
    (an unknown code still loads the page, which says so)."""
    served = getattr(request.app.state, "pages", None)  # the app's pages as served, when it keeps them
    if served is not None:
        return served.response("index.html", request.headers.get("if-none-match"))
    return FileResponse(request.app.state.settings.web_dir / "index.html")
