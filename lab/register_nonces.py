"""The virtual Map-Server's nonce policy for authenticated Map-Registers.

RFC 9301 5.6: the MS keeps the last nonce per xTR-ID and key, persisted, and
drops a Map-Register whose nonce is not greater (a replay). Without an xTR-ID
(I bit clear) there is no identity to track: such a register is accepted on its
MAC alone, as OpenOverlayRouter needs (it sends no xTR-ID and clock-derived
nonces that do not always grow). An exact retransmission (same bytes) within
RETRANSMISSION_WINDOW_S of the original is answered again but never applied
twice: lispers.net resends a Map-Register with the same nonce when its
Map-Notify was late. The same bytes from another source address or port within
the window are a replay (a capture sent by someone else), whatever the I bit.

Only messages whose MAC was verified get here, so what this remembers grows
with authentic senders only, and the volatile part is bounded anyway.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from enum import Enum

RETRANSMISSION_WINDOW_S = 30.0
# Registers remembered for retransmission detection (16-octet digests).
MAX_RECENT = 65536


class Verdict(Enum):
    NEW = "new"  # apply it (and answer it)
    RETRANSMISSION = "retransmission"  # answer it again, do not apply it
    REPLAY = "replay"  # drop it


def nonce_key(xtr_id: bytes, site: str, key_id: int) -> str:
    """The persisted identity: an xTR-ID with the key it registers a site with."""
    return f"{xtr_id.hex()}:{site}:{key_id}"


class RegisterNonces:
    """``last_nonce`` is the MS store's persisted map (nonce_key -> nonce)."""

    def __init__(self, last_nonce: dict[str, int]) -> None:
        self.last_nonce = last_nonce
        # digest of a register's bytes -> (when it was accepted (monotonic s),
        # the source address and port it came from).
        self._recent: OrderedDict[bytes, tuple[float, tuple[str, int]]] = OrderedDict()

    def judge(
        self,
        identity: str | None,
        nonce: int,
        raw: bytes,
        source: tuple[str, int],
        now: float,
    ) -> Verdict:
        """``identity``: nonce_key(...) for a register with an xTR-ID, else None."""
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        seen = self._recent.get(digest)
        if seen is not None and now - seen[0] <= RETRANSMISSION_WINDOW_S:
            return Verdict.RETRANSMISSION if seen[1] == source else Verdict.REPLAY
        if identity is not None:
            if nonce <= self.last_nonce.get(identity, -1):
                return Verdict.REPLAY
            self.last_nonce[identity] = nonce
        self._recent[digest] = (now, source)
        self._recent.move_to_end(digest)
        while len(self._recent) > MAX_RECENT:
            self._recent.popitem(last=False)
        return Verdict.NEW

    def forget_recent(self) -> None:
        """A reboot: the retransmission memory is volatile, the nonces are not."""
        self._recent.clear()
