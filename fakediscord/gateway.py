"""The fake gateway: HELLO/IDENTIFY/READY, heartbeats, RESUME and dispatching events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .builders import JSON, guild_create_payload, member_payload, on_shard, ready_payload
from .recorder import DEFAULT_TIMEOUT, EventLog, GatewayEvent, WaitTimeout
from .state import FakeState

log = logging.getLogger(__name__)

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | INTENT_MESSAGE_CONTENT  # members, presences, content
TRACE = ['["fake-gateway",{"micros":0}]']


@dataclass
class GatewaySession:
    """A gateway session created by IDENTIFY and continued by RESUME."""

    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0


class GatewayConnection:
    """One websocket connection from the client."""

    def __init__(self, ws: web.WebSocketResponse, path: str) -> None:
        self.ws = ws
        self.path = path
        self.session: GatewaySession | None = None
        self._lock = asyncio.Lock()

    async def send(self, payload: JSON) -> None:
        """Send a JSON text frame (silently dropped if the socket closed)."""
        async with self._lock:
            if not self.ws.closed:
                await self.ws.send_str(json.dumps(payload))


def _shard_id(conn: GatewayConnection) -> int:
    shard = conn.session.shard if conn.session else None
    return int(shard[0]) if shard else 0


def _describe_op(payload: JSON) -> str:
    return f"op {payload.get('op')}"


def _describe_event(event: GatewayEvent) -> str:
    return f"{event.kind} session={event.session_id}"


class FakeGateway:
    """Serves the gateway websocket and lets tests dispatch events to the client."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.url = ""
        self.resume_url = ""
        self.ops: EventLog[JSON] = EventLog("gateway ops sent by the client", _describe_op)
        self.lifecycle: EventLog[GatewayEvent] = EventLog("gateway lifecycle", _describe_event)
        self.heartbeats = 0
        self.ack_heartbeats = True
        self.invalidate_next_resume = False
        self.sessions: dict[str, GatewaySession] = {}
        self.connection: GatewayConnection | None = None
        self.shards: dict[int, GatewayConnection] = {}  # live connections by shard id
        self.last_intents = 0
        self._connected = asyncio.Event()
        self._open: set[GatewayConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._drop_mark = 0

    @property
    def intents(self) -> int:
        """Intents of the current (or last) session."""
        session = self.connection.session if self.connection else None
        return session.intents if session else self.last_intents

    # --------------------------------------------------------------- websocket
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for the gateway websocket."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, request.path)
        self._open.add(conn)
        try:
            hello = {"heartbeat_interval": self.state.config.heartbeat_interval_ms, "_trace": TRACE}
            await conn.send({"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                await self._on_frame(conn, msg.type, msg.data)
        finally:
            self._open.discard(conn)
            self._detach(conn, ws.close_code)
        return ws

    async def _on_frame(self, conn: GatewayConnection, kind: WSMsgType, data: Any) -> None:
        if kind is not WSMsgType.TEXT:
            self.ops.append({"op": None, "binary": True})
            await conn.ws.close(code=4002, message=b"Error while decoding payload.")
            return
        payload = json.loads(data)
        self.ops.append(payload)
        op, body = payload.get("op"), payload.get("d")
        if op == 1:
            await self._heartbeat(conn)
        elif op == 2:
            await self._identify(conn, body or {})
        elif op == 6:
            await self._resume(conn, body or {})
        elif op == 8:
            await self._request_members(conn, body or {})

    async def _heartbeat(self, conn: GatewayConnection) -> None:
        self.heartbeats += 1
        if self.ack_heartbeats:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})

    def _token_ok(self, token: str | None) -> bool:
        expected = self.state.config.token
        return expected is None or token in (expected, f"Bot {expected}")

    async def _identify(self, conn: GatewayConnection, body: JSON) -> None:
        if not self._token_ok(body.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        allowed = self.state.config.privileged_intents
        wanted = int(body.get("intents") or 0) & PRIVILEGED_INTENTS
        if allowed is not None and wanted & ~allowed:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = GatewaySession(uuid.uuid4().hex, int(body.get("intents") or 0), body.get("shard"))
        self.sessions[session.session_id] = session
        self.last_intents = session.intents
        conn.session = session
        config = self.state.config
        ready = ready_payload(
            config, session_id=session.session_id, resume_url=self.resume_url, shard=session.shard
        )
        await self._send_dispatch(conn, "READY", ready)
        all_members = bool(session.intents & INTENT_GUILD_MEMBERS)
        for guild in config.guilds:
            if not on_shard(guild.id, session.shard):
                continue
            data = guild_create_payload(guild, all_members=all_members, bot_id=config.bot.id)
            await self._send_dispatch(conn, "GUILD_CREATE", data)
        self._activate(conn, GatewayEvent("identified", session.session_id, body))

    async def _resume(self, conn: GatewayConnection, body: JSON) -> None:
        session = self.sessions.get(str(body.get("session_id")))
        if session is None or self.invalidate_next_resume or not self._token_ok(body.get("token")):
            self.invalidate_next_resume = False
            self.lifecycle.append(GatewayEvent("invalid_session", body.get("session_id"), body))
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        conn.session = session
        await self._send_dispatch(conn, "RESUMED", {"_trace": TRACE})
        self._activate(conn, GatewayEvent("resumed", session.session_id, body))

    async def _request_members(self, conn: GatewayConnection, body: JSON) -> None:
        guild = self.state.guild(int(body["guild_id"]))
        wanted = {int(u) for u in body.get("user_ids") or []}
        query = str(body.get("query") or "").lower()
        members = [
            m
            for m in guild.members
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members[: int(body.get("limit") or 0) or None]],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if body.get("nonce"):
            chunk["nonce"] = body["nonce"]
        await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    def _activate(self, conn: GatewayConnection, event: GatewayEvent) -> None:
        self.connection = conn
        self.shards[_shard_id(conn)] = conn
        self._connected.set()
        self.lifecycle.append(event)

    def _detach(self, conn: GatewayConnection, code: int | None) -> None:
        if self.shards.get(_shard_id(conn)) is conn:
            del self.shards[_shard_id(conn)]
        if self.connection is conn:
            self.connection = None
            self._connected.clear()
            session_id = conn.session.session_id if conn.session else None
            self.lifecycle.append(GatewayEvent("closed", session_id, {"code": code}))

    async def _send_dispatch(self, conn: GatewayConnection, event: str, data: JSON) -> int:
        assert conn.session is not None
        conn.session.seq += 1
        seq = conn.session.seq
        await conn.send({"op": 0, "t": event, "s": seq, "d": data})
        return seq

    # --------------------------------------------------------------- test API
    async def wait_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a connection finished IDENTIFY or RESUME."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise WaitTimeout(f"no gateway connection became ready within {timeout}s") from None

    async def dispatch(self, event: str, data: JSON, *, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Send a DISPATCH (op 0) event once connected; returns its sequence number.

        With several shards connected, a guild's event goes to the shard that owns
        the guild (``(guild_id >> 22) % shard_count``), anything else to shard 0.
        """
        await self.wait_connected(timeout)
        conn = self._route(data)
        if conn is None or conn.session is None:
            raise WaitTimeout(f"no gateway connection for {event} (its shard is not connected)")
        return await self._send_dispatch(conn, event, data)

    def _route(self, data: JSON) -> GatewayConnection | None:
        sharded = [c for c in self.shards.values() if c.session and c.session.shard]
        if not sharded:
            return self.connection
        count = int(sharded[0].session.shard[1]) if sharded[0].session else 1  # type: ignore[index]
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        shard = (int(guild_id) >> 22) % count if guild_id else 0
        return self.shards.get(shard)

    async def wait_for_shards(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until ``count`` shards are connected."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.shards) < count:
            if loop.time() > deadline:
                raise WaitTimeout(f"{len(self.shards)} of {count} shards connected in {timeout}s")
            await asyncio.sleep(0.02)

    def dispatch_soon(self, event: str, data: JSON) -> None:
        """Dispatch from a background task (used for echoes from REST handlers)."""
        task = asyncio.create_task(self._dispatch_quietly(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch_quietly(self, event: str, data: JSON) -> None:
        try:
            await self.dispatch(event, data)
        except WaitTimeout:
            log.warning("dropped %s: no gateway connection", event)

    async def drop_connection(self, *, code: int = 4000, reconnect_op: bool = False) -> None:
        """Close the live socket with ``code`` (or send op 7 RECONNECT) to force a reconnect."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("no active gateway connection to drop")
        self._drop_mark = self.lifecycle.mark()
        self._detach(conn, code)
        if reconnect_op:
            await conn.send({"op": 7, "d": None, "s": None, "t": None})
        else:
            await conn.ws.close(code=code, message=b"dropped by fake")

    async def wait_for_resume(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayEvent:
        """Wait for a successful RESUME after the last :meth:`drop_connection`."""
        return await self.lifecycle.wait_for(
            lambda e: e.kind == "resumed", timeout=timeout, since=self._drop_mark, what="a RESUME"
        )

    async def wait_for_reconnect(self, timeout: float = DEFAULT_TIMEOUT) -> GatewayEvent:
        """Wait for a RESUME or a fresh IDENTIFY after the last drop."""
        return await self.lifecycle.wait_for(
            lambda e: e.kind in ("resumed", "identified"),
            timeout=timeout,
            since=self._drop_mark,
            what="a RESUME or IDENTIFY",
        )

    async def close(self) -> None:
        """Close all sockets and cancel background dispatches."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=DEFAULT_TIMEOUT)
        for conn in list(self._open):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"fake shutting down"), 2.0)
