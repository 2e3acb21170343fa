"""WS /api/v1/models/{id}/stream: step, play, pause, reset and config a model; one trace per step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketState

from server import wire
from server.hub import UnknownModel
from server.stream import StreamSession

router = APIRouter(tags=["stream"])


@router.websocket("/models/{model_id}/stream")
async def stream(
    websocket: WebSocket,
    model_id: str,
    token: Annotated[str | None, Query(description="The model's edit token.")] = None,
) -> None:
    """Commands (JSON text): {"type": "step"}, {"type": "play", "rate"}, {"type": "pause"},
    {"type": "reset"}, {"type": "config", "lr"?, "rows"?, "encoding"?: "json"|"f32", "summary_over"?}.
    Messages: {"type": "trace", "step", "graph"?, "events", ...} and {"type": "error", "detail"}.
    Close codes: 4401 no token, 4403 wrong token, 4404 no such model (after an error message)."""
    app = websocket.app
    hub, jobs, settings = app.state.hub, app.state.jobs, app.state.settings
    await websocket.accept()
    try:
        live = await jobs.run(hub.pin, model_id, wait=True)
    except UnknownModel as exc:
        return await _refuse(websocket, 4404, str(exc))
    try:
        if not live.record.accepts(token):
            code = 4403 if token else 4401
            detail = "this is not the model's edit token" if token else "connect with ?token=<edit_token>"
            return await _refuse(websocket, code, detail)
        session = StreamSession(
            websocket, hub, jobs, live, rows=settings.trace_rows, max_rate=settings.max_stream_rate,
            persist_every_s=settings.stream_persist_every_s,
        )
        app.state.streams.add(session)
        try:
            await session.run()
        finally:
            app.state.streams.discard(session)
            await session.finish()
        await _close(websocket, session.close_code)
    finally:
        await jobs.run(hub.unpin, live, wait=True)


async def _refuse(websocket: WebSocket, code: int, detail: str) -> None:
    await websocket.send_text(wire.dumps({"type": "error", "detail": detail}).decode())
    await _close(websocket, code)


async def _close(websocket: WebSocket, code: int) -> None:
    if websocket.client_state == WebSocketState.CONNECTED:
        await websocket.close(code)
