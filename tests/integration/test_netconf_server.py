"""NETCONF server framework against real clients on loopback sockets.

ncclient is blocking, so the servers run in an asyncio loop on a background
thread and the tests drive ncclient from the main thread, the way Ansible's
netconf connection uses it (known_hosts via an ssh_config file).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
import pytest
from lxml import etree
from ncclient import manager
from ncclient.devices.default import DefaultDeviceHandler
from ncclient.operations import RPCError
from ncclient.transport.errors import AuthenticationError, SSHUnknownHostError, TransportError
from ncclient.transport.session import NetconfBase

from ansible_collections.lispnet.ms_recovery.lab.netconf import (
    NetconfServer,
    NotificationHub,
    RpcError,
    UnknownRpc,
    iter_edits,
    known_hosts_line,
    load_or_create_host_key,
    start_netconf_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

T = TypeVar("T")
IF_NS = "urn:example:interfaces"
# The '&' must reach the client unmangled, so the hello has to escape it.
IF_CAP = f"{IF_NS}?module=example-interfaces&revision=2024-01-01"
USER, PASSWORD = "admin", "lab-secret"
WAIT = 15.0


# -- a toy router ------------------------------------------------------------------


def _q(local: str) -> str:
    return f"{{{IF_NS}}}{local}"


class ToyBackend:
    """Interfaces keyed by <name>; state counters only in <get>."""

    def __init__(self, interfaces: Iterable[tuple[str, int]] = (("eth0", 1500), ("eth1", 9000))):
        self.notifications = NotificationHub()
        self.config = etree.Element("data")
        top = etree.SubElement(self.config, _q("interfaces"), nsmap={None: IF_NS})
        for name, mtu in interfaces:
            itf = etree.SubElement(top, _q("interface"))
            etree.SubElement(itf, _q("name")).text = name
            etree.SubElement(itf, _q("mtu")).text = str(mtu)
        self.edits: list[tuple[tuple[str, ...], str]] = []

    def capabilities(self) -> Iterable[str]:
        return [IF_CAP]

    def get(self) -> etree._Element:
        data = deepcopy(self.config)
        state = etree.SubElement(data, _q("interfaces-state"), nsmap={None: IF_NS})
        for itf in self.config.iter(_q("interface")):
            st = etree.SubElement(state, _q("interface"))
            etree.SubElement(st, _q("name")).text = itf.findtext(_q("name"))
            etree.SubElement(st, _q("in-octets")).text = "42"
        return data

    def get_config(self) -> etree._Element:
        return self.config

    def edit_config(self, config: etree._Element, default_operation: str) -> None:
        for edit in iter_edits(config, default_operation):
            self.edits.append((edit.path, edit.operation))
            if edit.operation == "replace" and not edit.path:
                self.config[:] = [deepcopy(c) for c in edit.element]
                continue
            self._apply(edit.element, edit.ancestors, edit.operation)

    def _find(
        self, src: etree._Element, ancestors: tuple[etree._Element, ...], create: bool
    ) -> etree._Element | None:
        """Locate (optionally create) the datastore node matching ``src``."""
        chain = [*ancestors, src]
        node = self.config
        for step in chain:
            key = step.findtext(_q("name")) if step is not src or len(step) else None
            match = None
            for cand in node.findall(step.tag):
                if key is None or cand.findtext(_q("name")) == key:
                    match = cand
                    break
            if match is None:
                if not create:
                    return None
                match = etree.SubElement(node, step.tag)
                if key is not None:
                    etree.SubElement(match, _q("name")).text = key
            node = match
        return node

    def _apply(self, src: etree._Element, ancestors: tuple[etree._Element, ...], op: str) -> None:
        existing = self._find(src, ancestors, create=False)
        if op == "create" and existing is not None:
            raise RpcError("data-exists", "already there", path=src.tag)
        if op == "delete" and existing is None:
            raise RpcError("data-missing", "nothing to delete")
        if op in ("delete", "remove"):
            if existing is not None:
                existing.getparent().remove(existing)
            return
        node = self._find(src, ancestors, create=True)
        assert node is not None
        if op == "merge":
            node.text = src.text
        else:  # replace or create
            node[:] = [deepcopy(c) for c in src]
            node.text = src.text

    async def rpc(self, request: etree._Element) -> etree._Element | None:
        if request.tag == _q("clear-counters"):
            return None
        if request.tag == _q("ping"):
            await asyncio.sleep(0)  # a custom RPC may await the control plane
            out = etree.Element("out")
            etree.SubElement(out, _q("echo"), nsmap={None: IF_NS}).text = request.findtext(
                _q("text")
            )
            return out
        if request.tag == _q("fail"):
            raise RpcError("operation-failed", "asked to fail", path="/fail")
        raise UnknownRpc(f"no RPC {etree.QName(request).localname}")


# -- the loop thread and servers -------------------------------------------------------


class LoopThread:
    """An asyncio loop on a daemon thread; ``run`` blocks with a bound."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = WAIT) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper(), timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()


@pytest.fixture(scope="module")
def lt() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.stop()


@pytest.fixture(scope="module")
def host_key(tmp_path_factory: pytest.TempPathFactory) -> asyncssh.SSHKey:
    return load_or_create_host_key(tmp_path_factory.mktemp("keys") / "router.key")


class Lab:
    """Starts servers, writes known_hosts/ssh_config for them, closes them all."""

    def __init__(self, lt: LoopThread, key: asyncssh.SSHKey, tmp: Path) -> None:
        self.lt = lt
        self.key = key
        self.known_hosts = tmp / "known_hosts"
        self.known_hosts.write_text("")
        self.ssh_config = tmp / "ssh_config"
        self.ssh_config.write_text(f"Host *\n    UserKnownHostsFile {self.known_hosts}\n")
        self.servers: list[NetconfServer] = []

    def start(
        self, host: str, backend: ToyBackend, key: asyncssh.SSHKey | None = None
    ) -> NetconfServer:
        key = key or self.key
        server = self.lt.run(
            start_netconf_server(
                host=host, port=0, backend=backend, host_key=key, username=USER, password=PASSWORD
            )
        )
        self.servers.append(server)
        with self.known_hosts.open("a") as fh:
            fh.write(known_hosts_line(host, server.port, key) + "\n")
        return server

    def connect(self, server: NetconfServer, **kw: Any) -> manager.Manager:
        args: dict[str, Any] = {
            "host": server.host,
            "port": server.port,
            "username": USER,
            "password": PASSWORD,
            "hostkey_verify": True,
            "ssh_config": str(self.ssh_config),
            "look_for_keys": False,
            "allow_agent": False,
            "device_params": {"name": "default"},
            "timeout": WAIT,
        }
        args.update(kw)
        return manager.connect(**args)

    def close_all(self) -> None:
        for server in self.servers:
            self.lt.run(server.close())


@pytest.fixture
def lab(lt: LoopThread, host_key: asyncssh.SSHKey, tmp_path: Path) -> Iterator[Lab]:
    lab = Lab(lt, host_key, tmp_path)
    yield lab
    lab.close_all()


@pytest.fixture
def router(lab: Lab) -> tuple[NetconfServer, ToyBackend]:
    backend = ToyBackend()
    return lab.start("127.0.31.1", backend), backend


@pytest.fixture
def mgr(lab: Lab, router: tuple[NetconfServer, ToyBackend]) -> Iterator[manager.Manager]:
    m = lab.connect(router[0])
    yield m
    if m.connected:
        m.close_session()


def _xml(el: Any) -> etree._Element:
    """The reply's root element, whatever ncclient wrapped it in."""
    return etree.fromstring(el.xml.encode()) if hasattr(el, "xml") else el


# -- hello and framing ---------------------------------------------------------------


def test_hello_announces_capabilities_and_uses_chunked_framing(mgr: manager.Manager) -> None:
    caps = set(mgr.server_capabilities)
    for uri in (
        "urn:ietf:params:netconf:base:1.0",
        "urn:ietf:params:netconf:base:1.1",
        "urn:ietf:params:netconf:capability:notification:1.0",
        "urn:ietf:params:netconf:capability:interleave:1.0",
        IF_CAP,
    ):
        assert uri in caps
    assert int(mgr.session_id) > 0
    assert mgr._session._base == NetconfBase.BASE_11
    assert _xml(mgr.get()).find(".//" + _q("mtu")) is not None


class Base10Handler(DefaultDeviceHandler):
    _BASE_CAPABILITIES = ["urn:ietf:params:netconf:base:1.0"]  # noqa: RUF012


def test_base10_client_keeps_end_of_message_framing(
    lab: Lab, router: tuple[NetconfServer, ToyBackend]
) -> None:
    m = lab.connect(router[0], device_params={"handler": Base10Handler})
    try:
        assert m._session._base == NetconfBase.BASE_10
        assert _xml(m.get_config("running")).findtext(".//" + _q("name")) == "eth0"
    finally:
        m.close_session()


def test_session_ids_increment(lab: Lab, router: tuple[NetconfServer, ToyBackend]) -> None:
    first = lab.connect(router[0])
    second = lab.connect(router[0])
    try:
        assert int(second.session_id) > int(first.session_id)
    finally:
        first.close_session()
        second.close_session()


# -- operations ------------------------------------------------------------------------


def test_get_with_subtree_filter(mgr: manager.Manager) -> None:
    flt = (
        f'<interfaces-state xmlns="{IF_NS}"><interface><name>eth1</name>'
        "<in-octets/></interface></interfaces-state>"
    )
    data = _xml(mgr.get(filter=("subtree", flt))).find(
        "{urn:ietf:params:xml:ns:netconf:base:1.0}data"
    )
    assert data is not None
    assert [etree.QName(c).localname for c in data] == ["interfaces-state"]
    entries = data.findall(f"{_q('interfaces-state')}/{_q('interface')}")
    assert [e.findtext(_q("name")) for e in entries] == ["eth1"]
    assert entries[0].findtext(_q("in-octets")) == "42"


def test_a_filter_outside_the_base_namespace_is_refused(mgr: manager.Manager) -> None:
    # What IOS-XE 17.x does; the whole datastore would be a kinder answer.
    request = etree.fromstring(
        '<get xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><filter xmlns="" type="subtree">'
        f'<interfaces xmlns="{IF_NS}"/></filter></get>'
    )
    with pytest.raises(RPCError) as raised:
        mgr.dispatch(request)
    assert raised.value.tag == "unknown-element"


def test_get_config_has_no_state(mgr: manager.Manager) -> None:
    reply = _xml(mgr.get_config("running"))
    assert reply.find(".//" + _q("interfaces")) is not None
    assert reply.find(".//" + _q("interfaces-state")) is None


def test_edit_config_merge_replace_delete(
    mgr: manager.Manager, router: tuple[NetconfServer, ToyBackend]
) -> None:
    backend = router[1]
    nc_ns = "urn:ietf:params:xml:ns:netconf:base:1.0"
    merge = (
        f'<config xmlns="{nc_ns}"><interfaces xmlns="{IF_NS}"><interface>'
        "<name>eth0</name><mtu>1400</mtu></interface></interfaces></config>"
    )
    mgr.edit_config(merge, target="running")
    assert backend.config.findtext(f".//{_q('interface')}/{_q('mtu')}") == "1400"

    replace = (
        f'<config xmlns="{nc_ns}" xmlns:nc="{nc_ns}"><interfaces xmlns="{IF_NS}">'
        '<interface nc:operation="replace"><name>eth2</name><mtu>1280</mtu></interface>'
        "</interfaces></config>"
    )
    mgr.edit_config(replace, target="running")
    names = [i.findtext(_q("name")) for i in backend.config.iter(_q("interface"))]
    assert names == ["eth0", "eth1", "eth2"]

    delete = (
        f'<config xmlns="{nc_ns}" xmlns:nc="{nc_ns}"><interfaces xmlns="{IF_NS}">'
        '<interface nc:operation="delete"><name>eth1</name></interface>'
        "</interfaces></config>"
    )
    mgr.edit_config(delete, target="running")
    names = [i.findtext(_q("name")) for i in backend.config.iter(_q("interface"))]
    assert names == ["eth0", "eth2"]
    assert (
        (f"{{{IF_NS}}}interfaces", f"{{{IF_NS}}}interface"),
        "delete",
    ) in backend.edits

    with pytest.raises(RPCError) as err:
        mgr.edit_config(delete, target="running")  # eth1 is gone now
    assert err.value.tag == "data-missing"


def test_edit_config_rejects_bad_operation(mgr: manager.Manager) -> None:
    nc_ns = "urn:ietf:params:xml:ns:netconf:base:1.0"
    bad = (
        f'<config xmlns="{nc_ns}" xmlns:nc="{nc_ns}"><interfaces xmlns="{IF_NS}" '
        'nc:operation="frobnicate"/></config>'
    )
    with pytest.raises(RPCError) as err:
        mgr.edit_config(bad, target="running")
    assert err.value.tag == "bad-attribute"


def test_lock_unlock(mgr: manager.Manager) -> None:
    assert mgr.lock("running").ok
    assert mgr.unlock("running").ok


def test_custom_rpc_reply_and_error(mgr: manager.Manager) -> None:
    req = etree.fromstring(f'<ping xmlns="{IF_NS}"><text>hello</text></ping>')
    reply = _xml(mgr.dispatch(req))
    assert reply.findtext(_q("echo")) == "hello"
    assert mgr.dispatch(etree.fromstring(f'<clear-counters xmlns="{IF_NS}"/>')).ok

    with pytest.raises(RPCError) as err:
        mgr.dispatch(etree.fromstring(f'<fail xmlns="{IF_NS}"/>'))
    assert err.value.tag == "operation-failed"
    assert err.value.path == "/fail"
    assert err.value.message == "asked to fail"


def test_unknown_rpc_is_operation_not_supported(mgr: manager.Manager) -> None:
    with pytest.raises(RPCError) as err:
        mgr.dispatch(etree.fromstring('<reboot xmlns="urn:example:nope"/>'))
    assert err.value.tag == "operation-not-supported"
    assert err.value.type == "protocol"
    assert err.value.severity == "error"
    with pytest.raises(RPCError) as err:
        mgr.copy_config(source="running", target="startup")
    assert err.value.tag == "operation-not-supported"


def test_close_session(mgr: manager.Manager) -> None:
    assert mgr.close_session().ok
    deadline = time.monotonic() + WAIT
    while mgr.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not mgr.connected


def test_kill_session(lab: Lab, router: tuple[NetconfServer, ToyBackend]) -> None:
    victim = lab.connect(router[0])
    killer = lab.connect(router[0])
    try:
        assert killer.kill_session(victim.session_id).ok
        _wait_disconnected(victim)
        with pytest.raises(RPCError) as err:
            killer.kill_session(killer.session_id)
        assert err.value.tag == "invalid-value"
    finally:
        killer.close_session()


# -- notifications ---------------------------------------------------------------------


def _event(kind: str, name: str) -> etree._Element:
    ev = etree.Element(_q(kind), nsmap={None: IF_NS})
    etree.SubElement(ev, _q("name")).text = name
    return ev


def test_notifications_reach_subscribed_session(
    lt: LoopThread, mgr: manager.Manager, router: tuple[NetconfServer, ToyBackend]
) -> None:
    hub = router[1].notifications
    assert mgr.create_subscription().ok
    lt.call(lambda: hub.publish(_event("link-down", "eth0")))
    note = mgr.take_notification(timeout=WAIT)
    assert note is not None
    root = etree.fromstring(note.notification_xml.encode())
    assert root.findtext("{urn:ietf:params:xml:ns:netconf:notification:1.0}eventTime")
    assert root.find(_q("link-down")).findtext(_q("name")) == "eth0"
    # interleave: RPCs still work on a subscribed session
    assert _xml(mgr.get_config("running")).find(".//" + _q("interfaces")) is not None


def test_notification_filter_and_replay_refused(
    lt: LoopThread, mgr: manager.Manager, router: tuple[NetconfServer, ToyBackend]
) -> None:
    with pytest.raises(RPCError) as err:
        mgr.create_subscription(start_time="2024-01-01T00:00:00Z")
    assert err.value.tag == "operation-not-supported"
    hub = router[1].notifications
    assert mgr.create_subscription(filter=("subtree", f'<link-up xmlns="{IF_NS}"/>')).ok
    lt.call(lambda: hub.publish(_event("link-down", "eth0")))
    lt.call(lambda: hub.publish(_event("link-up", "eth1")))
    note = mgr.take_notification(timeout=WAIT)
    root = etree.fromstring(note.notification_xml.encode())
    assert root.find(_q("link-up")).findtext(_q("name")) == "eth1"
    assert mgr.take_notification(timeout=0.3) is None


# -- sessions and restarts ---------------------------------------------------------------


def _wait_disconnected(m: manager.Manager) -> None:
    deadline = time.monotonic() + WAIT
    while m.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not m.connected


def test_close_drops_sessions_and_key_survives_restart(lab: Lab, host_key: asyncssh.SSHKey) -> None:
    backend = ToyBackend()
    server = lab.start("127.0.31.2", backend)
    m = lab.connect(server)
    assert m.get_config("running").ok
    lab.lt.run(server.close())
    _wait_disconnected(m)
    with pytest.raises(TransportError, match="Not connected"):
        m.get_config("running")
    assert not server.sessions

    # The "rebooted" router reuses its key, so host-key checking still passes.
    again = lab.lt.run(
        start_netconf_server(
            host=server.host,
            port=server.port,
            backend=backend,
            host_key=host_key,
            username=USER,
            password=PASSWORD,
        )
    )
    lab.servers.append(again)
    m2 = lab.connect(again)
    assert m2.get_config("running").ok
    m2.close_session()


def test_wrong_host_key_is_refused(lab: Lab, tmp_path: Path) -> None:
    other_key = load_or_create_host_key(tmp_path / "impostor.key")
    server = lab.start("127.0.31.3", ToyBackend(), key=other_key)
    # known_hosts must pin the genuine key for this address, not the impostor's
    lines = lab.known_hosts.read_text().splitlines()[:-1]
    lines.append(known_hosts_line(server.host, server.port, lab.key))
    lab.known_hosts.write_text("\n".join(lines) + "\n")
    with pytest.raises(SSHUnknownHostError):
        lab.connect(server)


def test_wrong_password_is_refused(lab: Lab, router: tuple[NetconfServer, ToyBackend]) -> None:
    with pytest.raises(AuthenticationError):
        lab.connect(router[0], password="wrong")


def test_large_reply_is_streamed(lab: Lab) -> None:
    backend = ToyBackend((f"eth{i}", 1500) for i in range(20000))
    server = lab.start("127.0.31.4", backend)
    m = lab.connect(server)
    try:
        reply = _xml(m.get_config("running"))
        assert len(reply.findall(".//" + _q("interface"))) == 20000
    finally:
        m.close_session()


# -- raw protocol abuse, with an asyncssh client ---------------------------------------

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HELLO_11 = (
    f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.1'
    "</capability></capabilities></hello>]]>]]>"
).encode()


async def _raw_session(server: NetconfServer) -> tuple[asyncssh.SSHClientConnection, Any]:
    conn = await asyncssh.connect(
        server.host,
        server.port,
        username=USER,
        password=PASSWORD,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
    )
    writer, reader, _unused = await conn.open_session(subsystem="netconf", encoding=None)
    return conn, (reader, writer)


async def _read_until(reader: Any, marker: bytes, timeout: float = WAIT) -> bytes:
    buf = b""
    async with asyncio.timeout(timeout):
        while marker not in buf:
            chunk = await reader.read(65536)
            if not chunk:
                break
            buf += chunk
    return buf


def _chunk(msg: str) -> bytes:
    data = msg.encode()
    return b"\n#%d\n%s\n##\n" % (len(data), data)


def test_missing_message_id_and_malformed_xml(
    lt: LoopThread, router: tuple[NetconfServer, ToyBackend]
) -> None:
    async def scenario() -> tuple[bytes, bytes, bytes]:
        conn, (reader, writer) = await _raw_session(router[0])
        try:
            hello = await _read_until(reader, b"]]>]]>")
            writer.write(HELLO_11)
            writer.write(_chunk(f'<rpc xmlns="{NC}" ex="1"><get/></rpc>'))
            missing = await _read_until(reader, b"\n##\n")
            writer.write(_chunk("<rpc this is not xml"))
            malformed = await _read_until(reader, b"\n##\n")
            return hello, missing, malformed
        finally:
            conn.close()
            await conn.wait_closed()

    hello, missing, malformed = lt.run(scenario())
    assert b"<session-id>" in hello
    assert b"&amp;revision=" in hello
    assert b"missing-attribute" in missing and b"<bad-attribute>message-id" in missing
    assert b'ex="1"' in missing
    assert b"malformed-message" in malformed


@pytest.mark.parametrize(
    "garbage",
    [b"\n#0\n", b"\n#abc\n", b"GET / HTTP/1.1\r\n\r\n", b"\n#99999999999\n", b"\n#4\nab\n##\n"],
)
def test_garbage_framing_closes_session(
    lt: LoopThread, router: tuple[NetconfServer, ToyBackend], garbage: bytes
) -> None:
    async def scenario() -> bytes:
        conn, (reader, writer) = await _raw_session(router[0])
        try:
            await _read_until(reader, b"]]>]]>")
            writer.write(HELLO_11)
            writer.write(garbage)
            # EOF (b"") within the bound means the server closed the channel.
            return await _read_until(reader, b"\x00never", timeout=5)
        finally:
            conn.close()
            await conn.wait_closed()

    assert lt.run(scenario()) == b""
    assert not router[0].sessions


def test_oversized_message_is_refused(lt: LoopThread, lab: Lab) -> None:
    from ansible_collections.lispnet.ms_recovery.lab.netconf import SessionLimits

    backend = ToyBackend()
    server = lt.run(
        start_netconf_server(
            host="127.0.31.5",
            port=0,
            backend=backend,
            host_key=lab.key,
            username=USER,
            password=PASSWORD,
            limits=SessionLimits(max_message=4096, max_chunk=1024),
        )
    )
    lab.servers.append(server)

    async def scenario() -> bytes:
        conn, (reader, writer) = await _raw_session(server)
        try:
            await _read_until(reader, b"]]>]]>")
            writer.write(HELLO_11)
            writer.write(b"\n#1024\n" + b" " * 1024)  # at the chunk cap: accepted
            for _unused in range(8):
                writer.write(b"\n#1000\n" + b" " * 1000)  # total grows past 4096
            return await _read_until(reader, b"\x00never", timeout=5)
        finally:
            conn.close()
            await conn.wait_closed()

    assert lt.run(scenario()) == b""


def test_shell_request_is_refused(lt: LoopThread, router: tuple[NetconfServer, ToyBackend]) -> None:
    async def scenario() -> int | None:
        conn = await asyncssh.connect(
            router[0].host,
            router[0].port,
            username=USER,
            password=PASSWORD,
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            config=None,
        )
        try:
            result = await asyncio.wait_for(conn.run("show version"), WAIT)
            return result.exit_status
        finally:
            conn.close()
            await conn.wait_closed()

    assert lt.run(scenario()) == 1


# -- many routers in one loop ------------------------------------------------------------


def test_200_listeners_in_one_loop(lt: LoopThread, lab: Lab) -> None:
    hosts = [f"127.0.32.{i}" for i in range(1, 201)]

    async def start_all() -> list[NetconfServer]:
        return list(
            await asyncio.gather(
                *(
                    start_netconf_server(
                        host=h,
                        port=0,
                        backend=ToyBackend(),
                        host_key=lab.key,
                        username=USER,
                        password=PASSWORD,
                    )
                    for h in hosts
                )
            )
        )

    servers = lt.run(start_all(), timeout=60)
    lab.servers.extend(servers)
    with lab.known_hosts.open("a") as fh:
        fh.writelines(known_hosts_line(s.host, s.port, lab.key) + "\n" for s in servers)

    async def hello_from_all() -> list[bytes]:
        gate = asyncio.Semaphore(50)

        async def one(server: NetconfServer) -> bytes:
            async with gate:
                conn, (reader, _writer) = await _raw_session(server)
                try:
                    return await _read_until(reader, b"]]>]]>")
                finally:
                    conn.close()
                    await conn.wait_closed()

        return list(await asyncio.gather(*(one(s) for s in servers)))

    hellos = lt.run(hello_from_all(), timeout=90)
    assert all(b"<session-id>" in h and IF_NS.encode() in h for h in hellos)

    # ...and a few of them through ncclient the way Ansible connects.
    def via_ncclient(server: NetconfServer) -> bool:
        with lab.connect(server) as m:
            return bool(m.get_config("running").ok)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(via_ncclient, servers[::25]))


# -- the client side: NcclientSession ------------------------------------------------


def test_ncclient_session_sends_each_request_at_once(
    lab: Lab, router: tuple[NetconfServer, ToyBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ncclient only writes a queued request when its reader thread wakes from
    select(), every TICK (0.1 s); NcclientSession writes it at once. With the
    tick far beyond the requests' timeout, they still get their replies."""
    import ncclient.transport.session as ncclient_session

    from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
        NcclientSession,
    )

    monkeypatch.setattr(ncclient_session, "TICK", 3600.0)
    server, _unused = router
    session = NcclientSession.connect(
        host=server.host,
        port=server.port,
        username=USER,
        password=PASSWORD,
        ssh_config=str(lab.ssh_config),
        timeout=WAIT,
    )
    try:
        flt = f'<interfaces xmlns="{IF_NS}"/>'
        for _unused in range(3):
            assert session.get(flt).find(".//" + _q("mtu")) is not None
        assert b"mtu" in session.get_text(flt)
    finally:
        session.close()


def test_ncclient_session_refuses_a_host_key_marked_revoked(
    lab: Lab, router: tuple[NetconfServer, ToyBackend]
) -> None:
    """known_hosts lists the router's key and also revokes it: OpenSSH never
    accepts such a key, and the session refuses it before sending the password."""
    from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
        NcclientSession,
        NetconfFailure,
    )

    server, _unused = router
    _name, key_type, key = known_hosts_line(server.host, server.port, lab.key).split()
    with lab.known_hosts.open("a") as fh:
        fh.write(f"@revoked * {key_type} {key}\n")
    with pytest.raises(NetconfFailure, match="marked @revoked"):
        NcclientSession.connect(
            host=server.host,
            port=server.port,
            username=USER,
            password=PASSWORD,
            ssh_config=str(lab.ssh_config),
            timeout=WAIT,
        ).close()
