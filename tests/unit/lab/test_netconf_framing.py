"""RFC 6242 framing: both framings, split and merged reads, caps, garbage."""

from __future__ import annotations

import pytest

from ansible_collections.lispnet.ms_recovery.lab.netconf.framing import (
    EOM,
    FrameDecoder,
    FramingError,
    encode,
    encode_chunks,
    encode_parts,
)


def _feed_bytewise(dec: FrameDecoder, data: bytes) -> list[bytes]:
    out: list[bytes] = []
    for i in range(len(data)):
        dec.feed(data[i : i + 1])
        out.extend(dec.messages())
    return out


def test_eom_merged_messages_in_one_read() -> None:
    dec = FrameDecoder()
    dec.feed(b"<a/>]]>]]><b/>]]>]]><c")
    assert list(dec.messages()) == [b"<a/>", b"<b/>"]
    dec.feed(b"/>]]>]]>")
    assert list(dec.messages()) == [b"<c/>"]


def test_eom_delimiter_split_across_reads() -> None:
    dec = FrameDecoder()
    assert _feed_bytewise(dec, b"<hello/>]]>]]><rpc/>]]>]]>") == [b"<hello/>", b"<rpc/>"]


def test_eom_size_cap() -> None:
    dec = FrameDecoder(max_message=10)
    dec.feed(b"0123456789")
    assert list(dec.messages()) == []
    dec.feed(b"X")
    with pytest.raises(FramingError):
        list(dec.messages())


def test_chunked_multi_chunk_message_split_bytewise() -> None:
    wire = b"\n#4\n<rpc\n#17\n message-id='1'/>\n##\n\n#3\n<x/\n#1\n>\n##\n"
    dec = FrameDecoder()
    dec.chunked = True
    assert _feed_bytewise(dec, wire) == [b"<rpc message-id='1'/>", b"<x/>"]


def test_switch_to_chunked_with_bytes_already_buffered() -> None:
    # The client's first chunked rpc can arrive in the same read as its hello.
    dec = FrameDecoder()
    dec.feed(b"<hello/>]]>]]>\n#5\n<rpc/\n##\n")
    assert dec.next_message() == b"<hello/>"
    dec.chunked = True
    assert dec.next_message() == b"<rpc/"


@pytest.mark.parametrize(
    "wire",
    [
        b"\n##\n",  # end-of-chunks without a chunk
        b"\n#0\n",  # zero size
        b"\n#012\n",  # leading zero
        b"\n#1a\n",  # not a number
        b"\n#12345678901\n",  # more than 10 digits
        b"#4\nabcd",  # missing LF
        b"<rpc/>]]>]]>",  # end-of-message framing after base:1.1 was agreed
        b"\n#3\nabc\n#",  # fine so far...
    ],
)
def test_chunked_garbage(wire: bytes) -> None:
    dec = FrameDecoder()
    dec.chunked = True
    dec.feed(wire)
    if wire.endswith(b"\n#"):
        assert list(dec.messages()) == []  # ...needs more bytes, not an error
        dec.feed(b"x\n")
    with pytest.raises(FramingError):
        list(dec.messages())


def test_chunk_and_message_caps() -> None:
    dec = FrameDecoder(max_chunk=8, max_message=12)
    dec.chunked = True
    dec.feed(b"\n#9\n")
    with pytest.raises(FramingError, match="chunk"):
        list(dec.messages())

    dec = FrameDecoder(max_chunk=8, max_message=12)
    dec.chunked = True
    dec.feed(b"\n#8\n12345678\n#8\n")
    with pytest.raises(FramingError, match="message"):
        list(dec.messages())


def test_chunk_data_is_not_buffered_beyond_the_announced_size() -> None:
    dec = FrameDecoder(max_chunk=16)
    dec.chunked = True
    dec.feed(b"\n#16\n" + b"a" * 10)
    assert dec.next_message() is None
    dec.feed(b"a" * 6 + b"\n##\n")
    assert dec.next_message() == b"a" * 16


def test_encode_roundtrip_both_framings() -> None:
    payload = b"<rpc-reply>" + b"x" * 200_000 + b"</rpc-reply>"
    for chunked in (False, True):
        dec = FrameDecoder()
        dec.chunked = chunked
        for piece in encode(payload, chunked=chunked):
            dec.feed(piece)
        assert list(dec.messages()) == [payload]
    assert b"".join(encode(b"<a/>", chunked=False)) == b"<a/>" + EOM
    assert b"".join(encode_chunks(b"<a/>")) == b"\n#4\n<a/>\n##\n"
    with pytest.raises(ValueError):
        list(encode_chunks(b""))


@pytest.mark.parametrize("chunked", [False, True], ids=["eom", "chunked"])
def test_a_message_in_parts_decodes_as_one(chunked: bool) -> None:
    parts = [b"<rpc-reply>", b"", b"y" * 150_000, b"</rpc-reply>"]
    dec = FrameDecoder()
    dec.chunked = chunked
    for piece in encode_parts(iter(parts), chunked=chunked):
        dec.feed(piece)
    assert list(dec.messages()) == [b"".join(parts)]
    with pytest.raises(ValueError):
        list(encode_parts([b"", b""], chunked=True))
