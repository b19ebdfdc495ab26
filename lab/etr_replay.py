"""What a virtual ETR remembers of the notifications it acted on, on its "disk".

A notification is acted on once: the last accepted nonce per sender (anything
not newer is a replay; equal is a retransmission, acked again only) and the
sender of every recently accepted nonce (the same notification from another
address is a replay). RFC 9301 5.6 has an ETR persist its nonce state across a
restart (or use a new key): without it, a capture replayed after every boot
would be accepted again. So this state is written to the lab's disk and read
back when the ETR starts; the rest of the ETR's memory is lost on a restart.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import Enum
from typing import Any

# Bounds, so that authentic notifications replayed from many spoofed source
# addresses cannot grow memory (or the file).
MAX_NOTIFY_SENDERS = 256
MAX_ACCEPTED_NONCES = 4096


class Freshness(Enum):
    NEW = "new"
    RETRANSMISSION = "retransmission"
    REPLAY = "replay"


class NotifyReplayGuard:
    def __init__(self) -> None:
        self._last: OrderedDict[str, int] = OrderedDict()
        self._accepted: OrderedDict[int, str] = OrderedDict()
        self.dirty = False

    def judge(self, sender: str, nonce: int) -> Freshness:
        first_sender = self._accepted.get(nonce)
        if first_sender is not None and first_sender != sender:
            return Freshness.REPLAY  # captured from its real sender, sent from elsewhere
        last = self._last.get(sender, -1)
        if nonce < last:
            return Freshness.REPLAY
        return Freshness.RETRANSMISSION if nonce == last else Freshness.NEW

    def accept(self, sender: str, nonce: int) -> None:
        self._last[sender] = nonce
        self._last.move_to_end(sender)
        while len(self._last) > MAX_NOTIFY_SENDERS:
            self._last.popitem(last=False)
        self._accepted[nonce] = sender
        while len(self._accepted) > MAX_ACCEPTED_NONCES:
            self._accepted.popitem(last=False)
        self.dirty = True

    def to_data(self) -> dict[str, Any]:
        return {
            "last": list(self._last.items()),
            "accepted": [[nonce, sender] for nonce, sender in self._accepted.items()],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NotifyReplayGuard:
        guard = cls()
        for sender, nonce in data.get("last", ())[-MAX_NOTIFY_SENDERS:]:
            guard._last[str(sender)] = int(nonce)
        for nonce, sender in data.get("accepted", ())[-MAX_ACCEPTED_NONCES:]:
            guard._accepted[int(nonce)] = str(sender)
        return guard
