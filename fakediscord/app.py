"""The aiohttp application: routes plus the recording/fault-injecting middleware."""

from __future__ import annotations

import re
import traceback
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from .faults import FaultInjector
from .gateway import FakeGateway
from .messaging import MessageService
from .recorder import RecordedRequest
from .responses import API_PREFIX, BODY_KEY, FILES_KEY, PAYLOAD_KEY, error_response, read_body
from .rest import RestApi
from .state import FakeState
from .webhooks import InteractionApi

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNAUTHENTICATED = re.compile(r"/(interactions|webhooks)/.*")


def build_app(state: FakeState, gateway: FakeGateway, faults: FaultInjector) -> web.Application:
    """Gateway websocket, REST routes, attachment downloads and a recording catch-all."""
    messages = MessageService(state, gateway)
    rest = RestApi(state, messages)
    app = web.Application(middlewares=[_recording_middleware(state, faults)])
    app.router.add_get("/gateway", gateway.handle)
    app.router.add_get("/gateway-resume", gateway.handle)
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", rest.get_attachment)
    app.add_routes(rest.routes())
    app.add_routes(InteractionApi(state, messages).routes())
    app.router.add_route("*", API_PREFIX + "/{tail:.*}", rest.catch_all)
    return app


def _recording_middleware(state: FakeState, faults: FaultInjector) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        body, files = await read_body(request)
        request[BODY_KEY], request[FILES_KEY] = body, files
        path = request.path[len(API_PREFIX) :]
        record = RecordedRequest(
            request.method, path, dict(request.query), body, files, dict(request.headers)
        )
        response: web.StreamResponse | None = faults.take(request.method, path)
        record.fault = response is not None
        if response is None:
            response = await _handle(state, request, handler, path)
        record.status = response.status
        record.response = response.get(PAYLOAD_KEY)
        state.requests.append(record)
        return response

    return middleware


async def _handle(
    state: FakeState, request: web.Request, handler: Handler, path: str
) -> web.StreamResponse:
    token = state.config.token
    authorized = request.headers.get("Authorization") == f"Bot {token}"
    if token and not UNAUTHENTICATED.fullmatch(path) and not authorized:
        return error_response(401, "401: Unauthorized")
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return error_response(exc.status, exc.reason)
    except Exception:
        # 400, not 500: discord.py retries 5xx for ~25 s before giving up.
        state.errors.append(f"{request.method} {path}\n{traceback.format_exc()}")
        return error_response(400, "fake discord internal error (see fake.errors)")
