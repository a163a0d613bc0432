"""The emulator's gateway (websocket) side."""

from __future__ import annotations

import json
import time

from aiohttp import WSMsgType, web


class Gateway:
    """Discord's gateway: hello, identify, ready and the guild, heartbeats, resume; dispatching
    events to the connected shards; dropping and refusing connections for tests."""

    async def dispatch(self, event: str, data: dict) -> None:
        """Send one gateway DISPATCH to the session (shard) that holds the guild."""
        self._seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        for ws in list(self._sockets):
            if not ws.closed and self._holds_guild(ws):
                await ws.send_str(frame)

    def _holds_guild(self, ws: web.WebSocketResponse) -> bool:
        shard_id, count = self._shard_of.get(id(ws), (0, 1))
        return (int(self.guild_id) >> 22) % count == shard_id

    def refuse_gateway(self, seconds: float) -> None:
        """Refuse gateway connections (HTTP 503 at the handshake, as during a Discord outage)
        for the next ``seconds``; the clients' retries fail until then."""
        self.gateway_refused_until = time.monotonic() + seconds

    async def drop_connection(self) -> None:
        """Close the gateway socket as Discord does before asking a client to resume."""
        for ws in list(self._sockets):
            await ws.close(code=4000, message=b"reconnect")

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self.gateway_refused_until:
            self.gateway_refusals += 1
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    self.heartbeats += 1
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    self.identifies.append(frame["d"])
                    await self._send_ready(ws, frame["d"])
                elif op == 6:
                    self.resumes.append(frame["d"])
                    self._seq += 1
                    await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse, identify: dict) -> None:
        shard = identify.get("shard") or [0, 1]
        self._shard_of[id(ws)] = (shard[0], shard[1])
        holds = self._holds_guild(ws)
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": {
            "v": 10, "user": self.bot_user, "guilds": [{"id": self.guild_id, "unavailable": True}] if holds else [],
            "session_id": self.session_id, "resume_gateway_url": self.gateway_url, "shard": shard,
            "application": {"id": self.app_id, "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "user_settings": {}, "geo_ordered_rtc_regions": [],
        }}))
        if holds:
            self._seq += 1
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": self._seq,
                                          "d": self.guild_payload()}))
            self.ready.set()
