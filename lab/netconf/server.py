"""SSH listener that serves the "netconf" subsystem for one virtual router.

Every router is one asyncssh listener on its own 127.x address in a shared
event loop: no threads, one socket per idle router, one host key object per
key file. ``NetconfServer.close()`` models a reboot: the listener goes away and
every SSH connection to the router is dropped, so clients see the session die.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

import asyncssh

from .backend import NetconfBackend
from .hostkeys import server_host_key
from .session import NetconfSession, SessionLimits, SessionRegistry

log = logging.getLogger(__name__)

SUBSYSTEM = "netconf"
LOGIN_TIMEOUT = 30.0
CLOSE_TIMEOUT = 5.0


class _RouterSSHServer(asyncssh.SSHServer):
    """Per-connection SSH callbacks; asyncssh creates one per accepted connection."""

    def __init__(self, router: NetconfServer) -> None:
        self._router = router
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._router._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._router._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # always require authentication

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        # Constant-time on both fields so a lab scanner cannot time its way in.
        user_ok = hmac.compare_digest(username.encode(), self._router.username.encode())
        pass_ok = hmac.compare_digest(password.encode(), self._router.password.encode())
        return user_ok and pass_ok


class NetconfServer:
    """A listening NETCONF-over-SSH endpoint for one backend."""

    def __init__(
        self,
        *,
        backend: NetconfBackend,
        username: str,
        password: str,
        limits: SessionLimits | None = None,
    ) -> None:
        self.backend = backend
        self.username = username
        self.password = password
        self.limits = limits or SessionLimits()
        self.registry = SessionRegistry()
        self.host = ""
        self.port = 0
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()

    @property
    def sessions(self) -> dict[int, NetconfSession]:
        """Live NETCONF sessions by session-id."""
        return self.registry.sessions

    @property
    def listening(self) -> bool:
        return self._acceptor is not None

    async def _listen(self, host: str, port: int, host_key: asyncssh.SSHKey) -> None:
        self._acceptor = await asyncssh.listen(
            host,
            port,
            server_factory=lambda: _RouterSSHServer(self),
            process_factory=self._serve_process,
            server_host_keys=[server_host_key(host_key)],
            encoding=None,
            # Without these asyncssh resolves the FQDN per listener for GSSAPI,
            # which costs a DNS lookup each for thousands of routers.
            gss_host=None,
            gss_kex=False,
            gss_auth=False,
            allow_pty=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=LOGIN_TIMEOUT,
            reuse_address=True,
        )
        self.host = host
        self.port = self._acceptor.get_port()

    async def _serve_process(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        if process.subsystem != SUBSYSTEM:
            # A NETCONF device offers no shell or exec; say so and hang up.
            process.stderr.write(b"only the netconf subsystem is available\n")
            process.exit(1)
            return

        def close() -> None:
            if not process.is_closing():
                process.exit(0)

        session = NetconfSession(
            backend=self.backend,
            registry=self.registry,
            read=process.stdin.read,
            write=process.stdout.write,
            drain=process.stdout.drain,
            close=close,
            limits=self.limits,
            username=process.get_extra_info("username") or "",
        )
        await session.run()

    async def close(self) -> None:
        """Stop listening and drop every live connection (a simulated reboot)."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        for session in list(self.registry.sessions.values()):
            session.kill()
        conns = list(self._connections)
        for conn in conns:
            conn.close()
        waits = [asyncio.create_task(conn.wait_closed()) for conn in conns]
        if acceptor is not None:
            waits.append(asyncio.create_task(acceptor.wait_closed()))
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=CLOSE_TIMEOUT)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("router %s:%d: %d closes timed out", self.host, self.port, len(pending))


async def start_netconf_server(
    *,
    host: str,
    port: int,
    backend: NetconfBackend,
    host_key: asyncssh.SSHKey,
    username: str,
    password: str,
    limits: SessionLimits | None = None,
) -> NetconfServer:
    """Listen for NETCONF over SSH on ``host``:``port`` (port 0 picks a free one).

    The actual port is in ``server.port``. Call ``await server.close()`` to stop.
    """
    server = NetconfServer(backend=backend, username=username, password=password, limits=limits)
    await server._listen(host, port, host_key)
    return server
