# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send each NETCONF message of an ncclient session when it is issued.

ncclient's ``Session.send`` only queues a message; the session's reader thread
writes queued messages between ``select()`` waits of ``TICK`` (0.1 s). Every
request therefore waits up to 100 ms before it leaves: a reregister-now RPC
to an ETR took 103 ms and its close-session 103 ms more, so one ETR cost
~210 ms of wall time for ~7 ms of CPU (the ``netconf`` method's fan-out was
latency-bound, not CPU-bound). Writing the framed message from the calling
thread removes the wait; a per-session lock keeps concurrent callers'
messages whole.
"""

from __future__ import annotations

import threading
from typing import Any

# RFC 6242: base:1.0 ends a message with this marker; base:1.1 frames it as
# one chunk (LF # length LF data) followed by the end-of-chunks marker.
END_OF_MESSAGE = b"]]>]]>"
END_OF_CHUNKS = b"\n##\n"


def frame(message: bytes, chunked: bool) -> bytes:
    if chunked:
        return b"\n#%d\n%s%s" % (len(message), message, END_OF_CHUNKS)
    return message + END_OF_MESSAGE


def send_directly(session: Any) -> bool:
    """Make ``session`` (an ncclient transport session, after the hello
    exchange) write each message at once. False, and the session is left
    alone, when it lacks the hooks this relies on.

    Only after the hello: ncclient queues the client hello before starting its
    thread, which writes it before reading anything, so by the time the
    server's hello has been read the queue is empty and stays empty.
    """
    try:
        from ncclient.transport.errors import SessionCloseError, TransportError
        from ncclient.transport.session import NetconfBase
    except ImportError:  # an ncclient without these: leave it as it is
        return False

    write = getattr(session, "_transport_write", None)
    if write is None or not hasattr(session, "_base") or not session._q.empty():
        return False
    lock = threading.Lock()

    def send(message: str) -> None:
        if not session.connected:
            raise TransportError("Not connected to NETCONF server")
        data = frame(message.encode(), session._base == NetconfBase.BASE_11)
        with lock:
            try:
                while data:
                    sent = write(data)
                    if sent <= 0:
                        raise SessionCloseError("")
                    data = data[sent:]
            except OSError as exc:
                raise TransportError(f"sending failed: {exc}") from exc

    session.send = send
    return True
