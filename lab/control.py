"""The lab's private control channel: JSON lines over a Unix socket per process.

`lisplab` uses it for what an operator does to hardware (reboot, switchover,
pull an ETR's cable); everything a router *says* goes over NETCONF and LISP.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Handler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
MAX_LINE = 1 << 20


class ControlError(RuntimeError):
    pass


async def serve_control(path: Path, handler: Handler) -> asyncio.AbstractServer:
    path.unlink(missing_ok=True)

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            request = json.loads(line or b"{}")
            command = str(request.pop("command", ""))
            try:
                reply = {"ok": True, **(await handler(command, request))}
            except Exception as exc:  # report to the caller instead of dying
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_unix_server(on_client, path=str(path), limit=MAX_LINE)
    path.chmod(0o600)
    return server


def call(path: Path, command: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
    """Send one command to a lab process and return its reply (blocking)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            raise ControlError(f"lab process at {path} is not answering: {exc}") from exc
        sock.sendall(json.dumps({"command": command, **args}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise ControlError(reply.get("error", f"no reply to {command!r} from {path}"))
    return reply
