"""WS /api/v1/models/{id}/stream: step, play, pause, reset and config a model; traces and losses out."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketState

from backprop_playground import wire
from backprop_playground.admission.fair import current_client
from backprop_playground.hub import UnknownModel
from backprop_playground.sockets import close, refuse
from backprop_playground.stream import StreamSession

router = APIRouter(tags=["stream"])
AUTH_TIMEOUT_S = 10.0  # how long the server waits for the first message, {"type": "auth", "token"}
AUTH_HINT = 'send {"type": "auth", "token": "<edit_token>"} as the first message'


@router.websocket("/models/{model_id}/stream")
async def stream(
    websocket: WebSocket,
    model_id: str,
    token: Annotated[str | None, Query(description="Deprecated: the edit token in the URL (prefer the "
                                                   "first message, as URLs end up in logs).")] = None,
) -> None:
    """The model stream: the protocol, message by message and with every close code, is written once, in
    backprop_playground/stream.py's docstring (docs/contracts.md §5 for clients). Decided here: the first
    message must be {"type": "auth", "token": "<edit_token>"} (4401 without one, 4403 for a wrong one),
    the model must exist (4404) and a client may hold only so many streams (4429); the session does the
    rest."""
    app, settings = websocket.app, websocket.app.state.settings
    client = current_client()
    await websocket.accept()
    # Connections count from here, before they authenticate, so a burst of them cannot pass the check.
    if not hasattr(app.state, "stream_clients"):
        app.state.stream_clients = Counter()
    open_here = app.state.stream_clients[client]
    if open_here >= settings.max_streams_per_client:
        detail = (f"this client already has {open_here} streams open, its share "
                  f"(max_streams_per_client = {settings.max_streams_per_client})")
        return await _refuse(websocket, 4429, detail)
    app.state.stream_clients[client] += 1
    try:
        await _serve(websocket, model_id, token, client)
    finally:
        app.state.stream_clients[client] -= 1
        if not app.state.stream_clients[client]:
            del app.state.stream_clients[client]


async def _serve(websocket: WebSocket, model_id: str, token: str | None, client: str) -> None:
    """Pin the model, check the token and run the session until the client leaves."""
    app = websocket.app
    hub, jobs, settings = app.state.hub, app.state.jobs, app.state.settings
    try:
        live = await jobs.run(hub.pin, model_id, wait=True)
    except UnknownModel as exc:
        return await _refuse(websocket, 4404, str(exc))
    try:
        if token is None:
            token = await _first_message_token(websocket)
            if websocket.client_state != WebSocketState.CONNECTED:
                return  # the client left before saying who it is
        if not live.record.accepts(token):
            code = 4403 if token else 4401
            detail = "this is not the model's edit token" if token else f"no edit token: {AUTH_HINT}"
            return await _refuse(websocket, code, detail)
        session = StreamSession(
            websocket, hub, jobs, live, rows=settings.trace_rows, max_rate=settings.max_stream_rate,
            persist_every_s=settings.stream_persist_every_s, client=client,
            send_timeout_s=settings.stream_send_timeout_s, max_play_rate=settings.max_play_rate,
            max_fps=settings.max_stream_fps,
        )
        app.state.streams.add(session)
        try:
            await session.run()
        finally:
            app.state.streams.discard(session)
            await session.finish()
        await close(websocket, session.close_code)
    finally:
        await jobs.run(hub.unpin, live, wait=True)


async def _first_message_token(websocket: WebSocket) -> str | None:
    """The token of the first message if it is {"type": "auth", "token": "..."}; None otherwise."""
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_S):
            message = await websocket.receive()
    except TimeoutError:
        return None
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if not text or len(text) > 1024:
        return None
    try:
        command = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(command, dict) or command.get("type") != "auth":
        return None
    token = command.get("token")
    return token if isinstance(token, str) else None


async def _refuse(websocket: WebSocket, code: int, detail: str) -> None:
    await refuse(websocket, code, wire.dumps({"type": "error", "detail": detail}).decode())
