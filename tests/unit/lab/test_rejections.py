"""Specific forgeries: rejected, counted, and never acted on.

On the Map-Server for Map-Register (no registration, no Map-Notify back) and
on the ETR for Map-Notify (no ack, no re-registration): a MAC whose first byte
is zeroed, an all-zero MAC, a truncated MAC (the RFC's -96/-128 lengths), the
wrong algorithm id, the wrong key, the wrong key id, and a replayed nonce.
Each case also sends the genuine message afterwards, so that a rejection is
known to come from the forgery and not from a broken setup.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.map_server import notify_targets
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    AUTH_DATA_OFFSET,
    AUTH_LENGTH_OFFSET,
    Algorithm,
    compute_mac,
    digest_length,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    ATTACKER,
    World,
    make_world,
    site_record,
)

SHA256_SITE, SHA1_SITE = 0, 4  # the lab gives every 5th site HMAC-SHA-1
SITES = pytest.mark.parametrize("site", [SHA256_SITE, SHA1_SITE], ids=["sha256", "sha1"])
NONCES = NonceCounter(None)


class Sealer:
    """Builds one site's message, genuine or forged, for the MS or the ETR."""

    def __init__(self, world: World, site: int, kind: str) -> None:
        self.world, self.site, self.kind = world, site, kind
        self.etr: VirtualEtr = world.etrs[site]
        self.stored = site_record(world, site)

    def build(
        self,
        nonce: int,
        *,
        key: bytes | None = None,
        algorithm: int | None = None,
        key_id: int | None = None,
    ) -> bytes:
        config = self.etr.config
        key = config.key if key is None else key
        algorithm = config.algorithm if algorithm is None else algorithm
        key_id = config.key_id if key_id is None else key_id
        if self.kind == "register":
            return encode_map_register(
                self.etr.records,
                key=key,
                key_id=key_id,
                algorithm=Algorithm(algorithm),
                nonce=nonce,
                proxy_reply=config.proxy_reply,
                xtr_id=config.xtr_id,
                site_id=config.site_id,
            )
        # What the MS or the controller sends: all the site's EIDs with its ETRs' RLOCs.
        records = notify_targets(*self.stored)[0].records
        return encode_map_notify(
            records, key=key, key_id=key_id, algorithm=Algorithm(algorithm), nonce=nonce
        )

    def genuine(self) -> tuple[bytes, int]:
        """A genuine message whose MAC does not start with 0x00 (so zeroing it forges)."""
        while True:
            nonce = NONCES.next()
            data = self.build(nonce)
            if data[AUTH_DATA_OFFSET] != 0:
                return data, nonce


# Forgeries of a genuine message --------------------------------------------------
def first_mac_byte_zeroed(sealer: Sealer) -> bytes:
    data, _unused = sealer.genuine()
    return data[:AUTH_DATA_OFFSET] + b"\x00" + data[AUTH_DATA_OFFSET + 1 :]


def all_zero_mac(sealer: Sealer) -> bytes:
    data, _unused = sealer.genuine()
    length = digest_length(sealer.etr.config.algorithm)
    return data[:AUTH_DATA_OFFSET] + bytes(length) + data[AUTH_DATA_OFFSET + length :]


def truncated_mac(sealer: Sealer) -> bytes:
    """HMAC-SHA-1-96 / HMAC-SHA-256-128 as the RFC names them: a correct MAC under
    the right key, cut to 12 / 16 octets. Only full-length digests are accepted."""
    data, _unused = sealer.genuine()
    algorithm = sealer.etr.config.algorithm
    full, short = digest_length(algorithm), 12 if algorithm == Algorithm.HMAC_SHA_1 else 16
    body = data[AUTH_DATA_OFFSET + full :]
    header = data[:AUTH_LENGTH_OFFSET] + short.to_bytes(2, "big")
    mac = compute_mac(header + bytes(short) + body, sealer.etr.config.key, algorithm)
    return header + mac[:short] + body


def wrong_algorithm(sealer: Sealer) -> bytes:
    """A correct MAC under the site's key, with the other algorithm than configured."""
    other = (
        Algorithm.HMAC_SHA_256
        if sealer.etr.config.algorithm == Algorithm.HMAC_SHA_1
        else Algorithm.HMAC_SHA_1
    )
    return sealer.build(NONCES.next(), algorithm=other)


def wrong_key(sealer: Sealer) -> bytes:
    return sealer.build(NONCES.next(), key=b"0123456789abcdef0123456789abcdef")


def another_sites_key(sealer: Sealer) -> bytes:
    return sealer.build(NONCES.next(), key=sealer.world.etrs[sealer.site + 1].config.key)


def wrong_key_id(sealer: Sealer) -> bytes:
    return sealer.build(NONCES.next(), key_id=sealer.etr.config.key_id + 1)


FORGERIES: dict[str, Callable[[Sealer], bytes]] = {
    "first-mac-byte-0x00": first_mac_byte_zeroed,
    "all-zero-mac": all_zero_mac,
    "truncated-mac": truncated_mac,
    "wrong-algorithm": wrong_algorithm,
    "wrong-key": wrong_key,
    "another-sites-key": another_sites_key,
    "wrong-key-id": wrong_key_id,
}


# Map-Server: Map-Register ---------------------------------------------------------
def _ms_rejects(forgery: Callable[[Sealer], bytes], site: int) -> None:
    world = make_world()
    sealer = Sealer(world, site, "register")
    source = world.etr_address(site)
    world.ms.on_datagram(forgery(sealer), source)
    assert world.ms.counters["auth-failures"] == 1
    assert world.ms.counters["map-registers-accepted"] == 0
    assert len(world.ms.table) == 0  # no registration
    assert world.ms_sent == []  # no Map-Notify (register-ack)
    assert world.ms.store.last_nonce == {}  # a forgery does not move the replay window
    genuine, _unused = sealer.genuine()
    world.ms.on_datagram(genuine, source)
    assert len(world.ms.table) == len(sealer.etr.config.eids)
    assert [d[0] >> 4 for d, _unused in world.ms_sent] == [4]


@SITES
def test_ms_rejects_a_register_whose_mac_starts_with_zero(site: int) -> None:
    _ms_rejects(first_mac_byte_zeroed, site)


@SITES
def test_ms_rejects_a_register_with_an_all_zero_mac(site: int) -> None:
    _ms_rejects(all_zero_mac, site)


@SITES
def test_ms_rejects_a_register_with_a_truncated_mac(site: int) -> None:
    _ms_rejects(truncated_mac, site)


@SITES
def test_ms_rejects_a_register_with_the_wrong_algorithm(site: int) -> None:
    _ms_rejects(wrong_algorithm, site)


@SITES
def test_ms_rejects_a_register_with_the_wrong_key(site: int) -> None:
    _ms_rejects(wrong_key, site)
    _ms_rejects(another_sites_key, site)


@SITES
def test_ms_rejects_a_register_with_the_wrong_key_id(site: int) -> None:
    _ms_rejects(wrong_key_id, site)


@SITES
def test_ms_rejects_a_replayed_register_nonce(site: int) -> None:
    world = make_world()
    sealer = Sealer(world, site, "register")
    source = world.etr_address(site)
    older, _unused = sealer.genuine()
    newer, _unused = sealer.genuine()
    world.ms.on_datagram(newer, source)
    assert world.ms.counters["map-registers-accepted"] == 1
    world.ms_sent.clear()
    # An older nonce, genuine MAC: a captured message sent late.
    world.ms.on_datagram(older, source)
    assert world.ms.counters["replays"] == 1
    assert world.ms_sent == []
    # The accepted one again, from its ETR and from elsewhere, after a reboot emptied
    # the table (and the counters): the nonce window is on the MS's disk.
    world.ms.lose_volatile_state()
    world.ms.on_datagram(newer, source)
    world.ms.on_datagram(newer, ATTACKER)
    assert world.ms.counters["replays"] == 2
    assert world.ms.counters["map-registers-accepted"] == 0
    assert len(world.ms.table) == 0
    assert world.ms_sent == []
    fresh, _unused = sealer.genuine()
    world.ms.on_datagram(fresh, source)
    assert len(world.ms.table) == len(sealer.etr.config.eids)


# ETR: Map-Notify --------------------------------------------------------------------
def _etr_rejects(forgery: Callable[[Sealer], bytes], site: int) -> None:
    world = make_world()
    sealer = Sealer(world, site, "notify")
    sent = world.etr_sent[sealer.etr.config.name]
    sealer.etr.on_datagram(forgery(sealer), world.ms_address)
    assert sealer.etr.counters["notify-auth-failures"] == 1
    assert sealer.etr.counters["reregistrations-triggered"] == 0
    assert sent == []  # no ack, no Map-Register
    genuine, _unused = sealer.genuine()
    sealer.etr.on_datagram(genuine, world.ms_address)
    assert [d[0] >> 4 for d, _unused in sent] == [5, 3]


@SITES
def test_etr_rejects_a_notify_whose_mac_starts_with_zero(site: int) -> None:
    _etr_rejects(first_mac_byte_zeroed, site)


@SITES
def test_etr_rejects_a_notify_with_an_all_zero_mac(site: int) -> None:
    _etr_rejects(all_zero_mac, site)


@SITES
def test_etr_rejects_a_notify_with_a_truncated_mac(site: int) -> None:
    _etr_rejects(truncated_mac, site)


@SITES
def test_etr_rejects_a_notify_with_the_wrong_algorithm(site: int) -> None:
    _etr_rejects(wrong_algorithm, site)


@SITES
def test_etr_rejects_a_notify_with_the_wrong_key(site: int) -> None:
    _etr_rejects(wrong_key, site)
    _etr_rejects(another_sites_key, site)


@SITES
def test_etr_rejects_a_notify_with_the_wrong_key_id(site: int) -> None:
    _etr_rejects(wrong_key_id, site)


@SITES
def test_etr_rejects_a_replayed_notify_nonce(site: int) -> None:
    world = make_world()
    sealer = Sealer(world, site, "notify")
    etr = sealer.etr
    sent = world.etr_sent[etr.config.name]
    older, _unused = sealer.genuine()
    newer, _unused = sealer.genuine()
    etr.on_datagram(newer, world.ms_address)
    assert [d[0] >> 4 for d, _unused in sent] == [5, 3]
    sent.clear()
    # An older nonce from the same sender: a captured notification sent late.
    etr.on_datagram(older, world.ms_address)
    # The accepted one again from another address: captured and replayed.
    etr.on_datagram(newer, ATTACKER)
    assert etr.counters["notify-replays"] == 2
    assert etr.counters["reregistrations-triggered"] == 1
    assert sent == []  # no ack, no Map-Register


def test_etr_acks_a_retransmission_again_without_reregistering() -> None:
    """The same nonce from the same sender is the sender retransmitting because
    our ack was lost: ack again (or it retransmits until it gives up), act once."""
    world = make_world()
    sealer = Sealer(world, SHA256_SITE, "notify")
    sent = world.etr_sent[sealer.etr.config.name]
    notify, _unused = sealer.genuine()
    sealer.etr.on_datagram(notify, world.ms_address)
    sealer.etr.on_datagram(notify, world.ms_address)
    assert [d[0] >> 4 for d, _unused in sent] == [5, 3, 5]
    assert sealer.etr.counters["notify-retransmissions"] == 1
    assert sealer.etr.counters["reregistrations-triggered"] == 1


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_every_forgery_is_rejected_by_both(name: str) -> None:
    """The table above, as one matrix (a new forgery needs one line)."""
    _ms_rejects(FORGERIES[name], SHA256_SITE)
    _etr_rejects(FORGERIES[name], SHA1_SITE)
