"""HTTP helpers: Discord-style JSON responses and request body parsing."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from .recorder import UploadedFile

API_PREFIX = "/api/v10"
BODY_KEY: web.RequestKey[Any] = web.RequestKey("fakediscord_body")
FILES_KEY: web.RequestKey[list[UploadedFile]] = web.RequestKey("fakediscord_files")
PAYLOAD_KEY: web.ResponseKey[Any] = web.ResponseKey("fakediscord_payload")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON response with content type exactly ``application/json`` (no charset).

    discord.py only parses bodies whose content type equals ``application/json``.
    The payload is kept on the response under ``PAYLOAD_KEY`` for recording.
    """
    body = json.dumps(data).encode()
    response = web.Response(
        body=body, status=status, headers=headers, content_type="application/json"
    )
    response[PAYLOAD_KEY] = data
    return response


def error_response(status: int, message: str, code: int = 0) -> web.Response:
    """Discord error body ``{"message", "code"}``."""
    return json_response({"message": message, "code": code}, status)


def no_content() -> web.Response:
    """204 with an empty body."""
    return web.Response(status=204)


def unknown(kind: str, code: int) -> web.Response:
    """404 such as ``Unknown Message`` (10008) or ``Unknown Webhook`` (10015)."""
    return error_response(404, f"Unknown {kind}", code)


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Parse a JSON or multipart (``payload_json`` + ``files[n]``) request body."""
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    if not request.body_exists:
        return None, []
    raw = await request.read()
    if request.content_type == "application/json" and raw:
        return json.loads(raw), []
    return (raw.decode(errors="replace") or None), []


async def _read_multipart(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    body: Any = None
    files: list[UploadedFile] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            files.append(
                UploadedFile(part.name or "", part.filename or "", content_type, bytes(data))
            )
    return body, files


def truthy(value: str | None) -> bool:
    """Discord-style boolean query parameter."""
    return (value or "").lower() in ("1", "true", "yes")
