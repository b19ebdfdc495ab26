# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One small interface over the two ways this project talks NETCONF.

Modules go through Ansible's persistent ``ansible.netcommon.netconf`` connection;
the lab's own tools, the EDA source and the tests use ncclient directly. The
platform adapters only see :class:`NetconfSession`, so the NETCONF data paths are
read the same way everywhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass


class NetconfFailure(RuntimeError):
    """A NETCONF operation failed (rpc-error, lost session, bad reply)."""


def connect_failure(exc: Exception) -> str:
    """What went wrong opening a NETCONF session, in words. ncclient and
    paramiko raise many types, some without any message (a peer that hangs
    up mid-handshake surfaces as a bare EOFError)."""
    from ncclient.transport.errors import AuthenticationError, SSHUnknownHostError

    from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
        RevokedHostKey,
    )

    if isinstance(exc, RevokedHostKey):
        return str(exc)
    if isinstance(exc, AuthenticationError):
        if "EOF" in str(exc):  # paramiko: "transport shut down or saw EOF"
            return "the router closed the connection during SSH authentication"
        return "NETCONF authentication failed"
    if isinstance(exc, SSHUnknownHostError):
        return f"host key not trusted: {exc} (not in known_hosts, or a different key)"
    if isinstance(exc, EOFError):
        return "the router closed the connection during the SSH handshake"
    if isinstance(exc, OSError):
        return f"cannot connect: {exc or type(exc).__name__}"
    detail = str(exc).strip()
    return f"cannot open a NETCONF session: {type(exc).__name__}{': ' + detail if detail else ''}"


class NetconfSession(Protocol):
    def get(self, filter_xml: str) -> etree._Element:
        """<get> with a subtree filter (its content, see platforms/*/filters.py); returns <data>."""

    def get_text(self, filter_xml: str) -> bytes:
        """``get`` for replies too large to hold as one tree: the reply as
        serialized XML (<rpc-reply> or <data>), for a streaming parser. An
        <rpc-error> may be inside; the parser reports it."""

    def rpc(self, request_xml: str) -> etree._Element:
        """Send one RPC (the element inside <rpc>); returns the <rpc-reply>."""

    def server_capabilities(self) -> frozenset[str]:
        """The capability URIs of the server's hello (modules it announces)."""


def _as_element(reply: Any) -> etree._Element:
    if isinstance(reply, etree._Element):
        return reply
    if isinstance(reply, (bytes, str)):
        text = reply.encode() if isinstance(reply, str) else reply
        return etree.fromstring(
            text, parser=etree.XMLParser(resolve_entities=False, huge_tree=True)
        )
    raise NetconfFailure(f"unexpected NETCONF reply type {type(reply).__name__}")


def _nodelay_socket(
    host: str, port: int, timeout: float, ssh_config: str | None
) -> socket.socket | None:
    """A connected TCP socket with Nagle off: paramiko leaves it on, and the
    small SSH packets of a NETCONF exchange then wait for delayed ACKs (~40 ms
    each; ~290 ms per connect+hello+get+close instead of ~30 ms). None when
    the SSH config routes the host through a ProxyCommand: ncclient opens that."""
    if ssh_config:
        import paramiko

        config = paramiko.SSHConfig.from_path(os.path.expanduser(ssh_config)).lookup(host)
        if config.get("proxycommand"):
            return None
        host = config.get("hostname", host)
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


@contextmanager
def _operation_failures(what: str) -> Iterator[None]:
    """ncclient's failures of one operation as :class:`NetconfFailure`: an
    rpc-error, and a session lost or timed out (its transport errors)."""
    from ncclient import NCClientError
    from ncclient.operations.rpc import RPCError

    try:
        yield
    except RPCError as exc:
        raise NetconfFailure(f"{what} failed: {exc.message or exc}") from exc
    except (NCClientError, OSError, EOFError) as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise NetconfFailure(f"{what} failed: {detail}") from exc


@dataclass
class NcclientSession:
    """A session opened with ncclient, host key verified against a known_hosts file."""

    manager: Any

    @classmethod
    def connect(
        cls,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        ssh_config: str | None = None,
        hostkey_verify: bool = True,
        timeout: float = 30.0,
        hostkey_b64: str | None = None,
    ) -> NcclientSession:
        """``hostkey_b64`` pins the host key (base64 of the public key, as in
        known_hosts); by default it is looked up in the UserKnownHostsFile of
        ``ssh_config``, parsed once per process (known_hosts.py), and ncclient
        still refuses any other key the server presents."""
        from ncclient import manager

        from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
            RevokedHostKey,
            known_hosts_in_use,
            pinnable_known_hosts,
            pinned_key,
            refusing_revoked_keys,
        )
        from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ncclient_direct_send import (  # noqa: E501
            send_directly,
        )
        from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ssh_rsa_sha2 import (
            offer_rsa_sha2,
        )

        offer_rsa_sha2()
        if hostkey_verify and hostkey_b64 is None and ssh_config:
            # paramiko would parse every line of the file (a key object each) on
            # every connect: 8 s for a 10,000-router known_hosts.
            try:
                hostkey_b64 = pinned_key(pinnable_known_hosts(ssh_config, host), host, port)
            except OSError:
                hostkey_b64 = None  # ncclient reports the unreadable file itself
            except RevokedHostKey as exc:
                raise NetconfFailure(f"{host}:{port}: {exc}") from None
        # Whatever key the server presents (hashed known_hosts entries are left
        # to ncclient) is refused if known_hosts marks it @revoked.
        known_hosts, name = known_hosts_in_use(ssh_config, host)
        try:
            with refusing_revoked_keys(known_hosts if hostkey_verify else None, name, port):
                m = manager.connect(
                    host=host,
                    port=port,
                    username=username,
                    password=password,
                    hostkey_verify=hostkey_verify,
                    hostkey_b64=hostkey_b64,
                    ssh_config=None if hostkey_b64 else ssh_config,
                    look_for_keys=False,
                    allow_agent=False,
                    timeout=timeout,
                    device_params={"name": "default"},
                    sock=_nodelay_socket(host, port, timeout, None if hostkey_b64 else ssh_config),
                )
        except Exception as exc:
            raise NetconfFailure(f"{host}:{port}: {connect_failure(exc)}") from exc
        m.timeout = timeout
        # Without this every request waits for ncclient's next 100 ms poll.
        send_directly(m._session)
        return cls(m)

    def get(self, filter_xml: str) -> etree._Element:
        # The filter goes as ("subtree", content): ncclient then writes the
        # <filter> element in the NETCONF base namespace, which IOS-XE 17.x
        # requires (it rejects a bare <filter>).
        with _operation_failures("get"):
            reply = self.manager.get(filter=("subtree", filter_xml))
        return _as_element(reply.data_ele if reply.data_ele is not None else reply.xml)

    def get_text(self, filter_xml: str) -> bytes:
        from ncclient.operations.retrieve import Get

        # ncclient parses every synchronous reply into a tree (~5x the reply's
        # size); one asynchronous request hands the text over. It is built as
        # Manager.execute builds it: toggling the manager's shared async_mode
        # instead would turn other threads' requests asynchronous meanwhile.
        manager = self.manager
        try:
            operation = Get(
                manager._session,
                device_handler=manager._device_handler,
                async_mode=True,
                timeout=manager.timeout,
                raise_mode=manager.raise_mode,
                huge_tree=manager.huge_tree,
            )
        except AttributeError:  # an ncclient without those internals: the parsed way
            return etree.tostring(self.get(filter_xml))
        with _operation_failures("get"):
            request = operation.request(filter=("subtree", filter_xml))
        if not request.event.wait(manager.timeout):
            raise NetconfFailure(f"get: no reply within {manager.timeout} s")
        if request.error is not None:
            raise NetconfFailure(f"get failed: {request.error}")
        return request.reply.xml.encode()

    def rpc(self, request_xml: str) -> etree._Element:
        with _operation_failures("rpc"):
            reply = self.manager.dispatch(etree.fromstring(request_xml))
        return _as_element(reply.xml)

    def server_capabilities(self) -> frozenset[str]:
        return frozenset(self.manager.server_capabilities)

    def close(self) -> None:
        try:
            self.manager.close_session()
        except Exception:  # the peer may already be gone (that is often why we close)
            pass

    def __enter__(self) -> NcclientSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class AnsibleSession:
    """A session through Ansible's persistent netconf connection."""

    connection: Any  # ansible.netcommon NetconfConnection

    @classmethod
    def for_module(cls, module: Any) -> AnsibleSession:
        from ansible_collections.ansible.netcommon.plugins.module_utils.network.common.netconf import (  # noqa: E501
            NetconfConnection,
        )

        return cls(NetconfConnection(module._socket_path))

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> etree._Element:
        from ansible.module_utils.connection import ConnectionError as AnsibleConnectionError

        try:
            return _as_element(func(*args, **kwargs))
        except AnsibleConnectionError as exc:
            raise NetconfFailure(f"{what} failed: {exc}") from exc

    def get(self, filter_xml: str) -> etree._Element:
        return self._call("get", self.connection.get, filter=["subtree", filter_xml])

    def get_text(self, filter_xml: str) -> bytes:
        from ansible.module_utils.connection import Connection
        from ansible.module_utils.connection import ConnectionError as AnsibleConnectionError

        # netcommon's NetconfConnection parses every reply into a tree; the
        # JSON-RPC layer under it hands over the text.
        try:
            reply = Connection.__rpc__(self.connection, "get", filter=["subtree", filter_xml])
        except AnsibleConnectionError as exc:
            raise NetconfFailure(f"get failed: {exc}") from exc
        if not isinstance(reply, (str, bytes)):
            raise NetconfFailure(f"unexpected NETCONF reply type {type(reply).__name__}")
        return reply.encode() if isinstance(reply, str) else reply

    def rpc(self, request_xml: str) -> etree._Element:
        return self._call("rpc", self.connection.dispatch, rpc_command=request_xml)

    def server_capabilities(self) -> frozenset[str]:
        import json

        from ansible.module_utils.connection import Connection
        from ansible.module_utils.connection import ConnectionError as AnsibleConnectionError

        # NetconfConnection would parse the reply as XML; it is JSON text.
        try:
            described = json.loads(Connection.__rpc__(self.connection, "get_capabilities"))
        except (AnsibleConnectionError, ValueError) as exc:
            raise NetconfFailure(f"reading the server's capabilities failed: {exc}") from exc
        return frozenset(described.get("server_capabilities", ()))
