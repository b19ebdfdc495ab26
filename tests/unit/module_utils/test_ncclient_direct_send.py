"""Writing an ncclient session's messages at once: RFC 6242 framing, partial
writes, concurrent callers, and sessions it must leave alone."""

from __future__ import annotations

import queue
import threading

import pytest
from ncclient.transport.errors import TransportError
from ncclient.transport.session import NetconfBase

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.ncclient_direct_send import (
    frame,
    send_directly,
)


class FakeSession:
    """What send_directly uses of an ncclient session; writes at most ``step`` bytes."""

    def __init__(self, base: NetconfBase = NetconfBase.BASE_11, step: int = 1 << 20) -> None:
        self._base = base
        self._q: queue.Queue[str] = queue.Queue()
        self.connected = True
        self.step = step
        self.wire = bytearray()
        self.result: int | None = None

    def _transport_write(self, data: bytes) -> int:
        if self.result is not None:
            return self.result
        self.wire += data[: self.step]
        return min(len(data), self.step)

    def send(self, message: str) -> None:  # ncclient's own: queue for the reader thread
        self._q.put(message)


def test_rfc6242_framing() -> None:
    assert frame(b"<rpc/>", chunked=True) == b"\n#6\n<rpc/>\n##\n"
    assert frame(b"<rpc/>", chunked=False) == b"<rpc/>]]>]]>"
    assert frame("<a>é</a>".encode(), chunked=True).startswith(b"\n#9\n")  # octets, not characters


@pytest.mark.parametrize(
    ("base", "wire"),
    [
        (NetconfBase.BASE_11, b"\n#8\n<get/>\xc3\xa9\n##\n"),
        (NetconfBase.BASE_10, b"<get/>\xc3\xa9]]>]]>"),
    ],
)
def test_a_message_is_written_by_the_caller_not_queued(base: NetconfBase, wire: bytes) -> None:
    session = FakeSession(base, step=3)  # the transport takes 3 bytes at a time
    assert send_directly(session) is True
    session.send("<get/>é")
    assert bytes(session.wire) == wire
    assert session._q.empty()


def test_concurrent_callers_never_interleave_their_messages() -> None:
    session = FakeSession(step=5)
    send_directly(session)
    messages = [f"<rpc message-id='{n}'>{'x' * 200}</rpc>" for n in range(40)]
    threads = [threading.Thread(target=session.send, args=(m,)) for m in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    chunks = bytes(session.wire).split(b"\n##\n")[:-1]
    assert sorted(chunks) == sorted(frame(m.encode(), True)[:-4] for m in messages)


def test_a_closed_session_refuses_and_a_dead_transport_fails() -> None:
    session = FakeSession()
    send_directly(session)
    session.connected = False
    with pytest.raises(TransportError, match="Not connected"):
        session.send("<get/>")
    session.connected = True
    session.result = 0
    with pytest.raises(TransportError, match="Unexpected session close"):
        session.send("<get/>")


def test_sessions_it_cannot_serve_are_left_alone() -> None:
    pending = FakeSession()
    pending._q.put("<hello/>")  # not yet written by the reader thread: order matters
    assert send_directly(pending) is False
    pending.send("<get/>")
    assert pending._q.qsize() == 2 and not pending.wire

    class Other:
        connected = True

    assert send_directly(Other()) is False


def test_the_netconf_platform_plugin_switches_each_new_session_once() -> None:
    from ansible_collections.lispnet.ms_recovery.plugins.netconf.ietf import Netconf

    class Manager:
        def __init__(self) -> None:
            self._session = FakeSession()

    class Connection:
        manager: Manager | None = None

    connection = Connection()
    plugin = Netconf(connection)  # made before the connection opens its manager
    connection.manager = first = Manager()
    assert plugin.m is first
    plugin.m._session.send("<get/>")
    assert first._session.wire and first._session._q.empty()
    switched = first._session.send
    assert plugin.m is first and first._session.send is switched  # not wrapped twice
    connection.manager = second = Manager()  # after meta: reset_connection
    plugin.m._session.send("<get/>")
    assert second._session.wire and second._session._q.empty()
