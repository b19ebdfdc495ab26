"""NETCONF message framing over SSH (RFC 6242).

Two framings exist: end-of-message (``]]>]]>`` after each message, base:1.0 and
every <hello>) and chunked (``\\n#<size>\\n<data>`` ... ``\\n##\\n``, base:1.1).
The decoder is a bounded incremental parser: it never holds more than one
message plus one read, and refuses anything over its caps, because the SSH
layer will hand it whatever a peer sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

EOM = b"]]>]]>"
MAX_MESSAGE = 32 * 1024 * 1024
MAX_CHUNK = 32 * 1024 * 1024
# RFC 6242 4.2: chunk-size is 1..4294967295, so at most 10 digits.
_MAX_SIZE_DIGITS = 10
# Chunk size used when the server writes; small enough to interleave with drain().
WRITE_CHUNK = 64 * 1024


class FramingError(Exception):
    """The peer broke the framing rules or a cap; the session must be closed."""


class FrameDecoder:
    """Split a byte stream into NETCONF messages.

    Starts in end-of-message mode; set ``chunked = True`` after the hello
    exchange when both sides announced base:1.1. Bytes already buffered after
    the hello are then parsed with the new framing, which is what RFC 6242
    section 4.1 requires.
    """

    def __init__(self, *, max_message: int = MAX_MESSAGE, max_chunk: int = MAX_CHUNK) -> None:
        self.chunked = False
        self.max_message = max_message
        self.max_chunk = max_chunk
        self._buf = bytearray()
        # Where the EOM search resumes, so a slow trickle is not rescanned.
        self._scanned = 0
        self._parts: list[bytes] = []
        self._parts_len = 0

    def feed(self, data: bytes) -> None:
        # Bounded because messages() runs after every feed and enforces the caps.
        self._buf += data

    def next_message(self) -> bytes | None:
        """Return the next complete message, or None until more bytes are fed.

        The caller may flip ``chunked`` between two calls.
        """
        return self._next_chunked() if self.chunked else self._next_eom()

    def messages(self) -> Iterator[bytes]:
        """Yield complete messages until more bytes are needed."""
        while (msg := self.next_message()) is not None:
            yield msg

    def _next_eom(self) -> bytes | None:
        idx = self._buf.find(EOM, max(0, self._scanned - len(EOM) + 1))
        if idx < 0:
            self._scanned = len(self._buf)
            if len(self._buf) > self.max_message:
                raise FramingError("message exceeds the size limit")
            return None
        if idx > self.max_message:
            raise FramingError("message exceeds the size limit")
        msg = bytes(self._buf[:idx])
        del self._buf[: idx + len(EOM)]
        self._scanned = 0
        return msg

    def _next_chunked(self) -> bytes | None:
        while True:
            header = self._parse_header()
            if header is None:
                return None
            consumed, size = header
            if size == 0:
                if not self._parts:
                    # RFC 6242: a chunked message has at least one chunk.
                    raise FramingError("end-of-chunks without a chunk")
                del self._buf[:consumed]
                msg = b"".join(self._parts)
                self._parts.clear()
                self._parts_len = 0
                return msg
            if len(self._buf) < consumed + size:
                return None
            self._parts.append(bytes(self._buf[consumed : consumed + size]))
            self._parts_len += size
            del self._buf[: consumed + size]

    def _parse_header(self) -> tuple[int, int] | None:
        """Return (header length, chunk size; 0 = end-of-chunks) or None if incomplete."""
        buf = self._buf
        if len(buf) < 4:
            if buf and not b"\n#".startswith(bytes(buf[:2])):
                raise FramingError("bad chunk header")
            return None
        if buf[0:2] != b"\n#":
            raise FramingError("bad chunk header")
        if buf[2:4] == b"#\n":
            return 4, 0
        end = buf.find(b"\n", 2, 2 + _MAX_SIZE_DIGITS + 1)
        if end < 0:
            if len(buf) > 2 + _MAX_SIZE_DIGITS:
                raise FramingError("chunk size too long")
            if not bytes(buf[2:]).isdigit():
                raise FramingError("bad chunk size")
            return None
        digits = bytes(buf[2:end])
        if not digits.isdigit() or digits[0:1] == b"0":
            raise FramingError("bad chunk size")
        size = int(digits)
        if size > self.max_chunk:
            raise FramingError("chunk exceeds the size limit")
        if self._parts_len + size > self.max_message:
            raise FramingError("message exceeds the size limit")
        return end + 1, size


def encode_eom(payload: bytes) -> bytes:
    return payload + EOM


def encode_chunks(payload: bytes, chunk: int = WRITE_CHUNK) -> Iterator[bytes]:
    """Yield the chunked framing of one message, piece by piece for drain()."""
    if not payload:
        raise ValueError("a chunked message needs at least one octet")
    yield from _chunks(payload, chunk)
    yield b"\n##\n"


def _chunks(payload: bytes, chunk: int) -> Iterator[bytes]:
    for start in range(0, len(payload), chunk):
        piece = payload[start : start + chunk]
        yield b"\n#%d\n" % len(piece) + piece


def encode(payload: bytes, *, chunked: bool) -> Iterator[bytes]:
    """Frame one message for writing; yields pieces so large replies can drain."""
    return encode_parts((payload,), chunked=chunked)


def encode_parts(parts: Iterable[bytes], *, chunked: bool) -> Iterator[bytes]:
    """Frame one message given as consecutive parts, framing each part as it
    comes: a large reply goes out while the rest of it is still being made."""
    sent = 0
    for part in parts:
        sent += len(part)
        if chunked:
            yield from _chunks(part, WRITE_CHUNK)
        else:
            for start in range(0, len(part), WRITE_CHUNK):
                yield part[start : start + WRITE_CHUNK]
    if chunked:
        if not sent:
            raise ValueError("a chunked message needs at least one octet")
        yield b"\n##\n"
    else:
        yield EOM
