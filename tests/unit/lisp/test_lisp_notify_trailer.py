"""lispers.net answers an I-bit Map-Register with a Map-Notify that carries the
register's 24-octet xTR-ID + Site-ID at its end without setting a flag for it.
The decoder takes exactly that trailer when the receiver says it sent it, and
keeps refusing every other leftover."""

from __future__ import annotations

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapNotifyMessage,
    decode,
    encode_map_notify,
    register_trailer,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)

XTR_ID = bytes(range(16))
SITE_ID = 7
OURS = register_trailer(XTR_ID, SITE_ID)


def _notify(xtr_id: bytes | None = None, site_id: int | None = None) -> bytes:
    return encode_map_notify(
        [Mapping(Eid.parse("10.1.0.0/24"), (Rloc.of("127.0.0.9"),))],
        key=b"k" * 16,
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        nonce=42,
        xtr_id=xtr_id,
        site_id=site_id,
    )


NOTIFY = _notify()


def test_the_unflagged_trailer_we_sent_is_accepted() -> None:
    message = decode(NOTIFY + OURS, sent_trailer=OURS)
    assert isinstance(message, MapNotifyMessage)
    assert (message.xtr_id, message.site_id, message.nonce) == (XTR_ID, SITE_ID, 42)


def test_without_what_was_sent_it_is_still_refused() -> None:
    with pytest.raises(MalformedMessage, match="24 trailing bytes"):
        decode(NOTIFY + OURS)


@pytest.mark.parametrize(
    "tail",
    [
        register_trailer(XTR_ID, SITE_ID + 1),  # another site
        register_trailer(bytes(16), SITE_ID),  # another xTR
        OURS[:-1],
        OURS + b"\x00",
        b"\x00" * 24,
    ],
    ids=["site-id", "xtr-id", "23-octets", "25-octets", "zeros"],
)
def test_any_other_leftover_is_refused(tail: bytes) -> None:
    with pytest.raises(MalformedMessage, match=r"trailing bytes|truncated"):
        decode(NOTIFY + tail, sent_trailer=OURS)


def test_a_flagged_trailer_is_read_as_before() -> None:
    message = decode(_notify(XTR_ID, SITE_ID), sent_trailer=OURS)
    assert isinstance(message, MapNotifyMessage)
    assert (message.xtr_id, message.site_id) == (XTR_ID, SITE_ID)
