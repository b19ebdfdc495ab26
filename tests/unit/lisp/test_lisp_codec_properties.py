# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""decode(encode(x)) == x for generated values, and the codec's bytes equal scapy's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    Algorithm,
    verify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    EcmMessage,
    MapNotifyMessage,
    MapRegisterMessage,
    MapReplyMessage,
    MapRequestMessage,
    decode,
    encode_ecm,
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_notify_for_register,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lisp_layers import (
    LispEcm,
    LispMapNotify,
    LispMapNotifyAck,
    LispMapRegister,
    LispMapReply,
    LispMapRequest,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lisp import scapy_build
from ansible_collections.lispnet.ms_recovery.tests.unit.lisp.strategies import (
    addresses,
    eids,
    host_eids,
    ipv4,
    ipv6,
    keys,
    nonces,
    record_lists,
    site_ids,
    xtr_ids,
)

PROPERTY = settings(max_examples=200, deadline=None)
algorithms = st.sampled_from([Algorithm.NONE, Algorithm.HMAC_SHA_1, Algorithm.HMAC_SHA_256])
trailers = st.one_of(st.none(), st.tuples(xtr_ids, site_ids))


def _auth_fields(data: bytes) -> dict[str, object]:
    length = int.from_bytes(data[14:16], "big")
    return {"auth_data": data[16 : 16 + length]}


@PROPERTY
@given(
    record_lists,
    keys,
    st.integers(0, 255),
    algorithms,
    nonces,
    st.booleans(),
    st.booleans(),
    trailers,
)
def test_map_register_round_trip(
    records: tuple[Mapping, ...],
    key: bytes,
    key_id: int,
    alg: Algorithm,
    nonce: int,
    want: bool,
    proxy: bool,
    trailer: tuple[bytes, int] | None,
) -> None:
    xtr_id, site_id = trailer or (None, None)
    data = encode_map_register(
        records,
        key=key,
        key_id=key_id,
        algorithm=alg,
        nonce=nonce,
        want_map_notify=want,
        proxy_reply=proxy,
        xtr_id=xtr_id,
        site_id=site_id,
    )
    expected = MapRegisterMessage(nonce, key_id, alg, records, proxy, want, xtr_id, site_id)
    assert decode(data) == expected
    assert verify(data, key) is (alg != Algorithm.NONE)
    reference = LispMapRegister(
        proxy_reply=int(proxy),
        want_map_notify=int(want),
        xtr_id_present=int(trailer is not None),
        nonce=nonce,
        key_id=key_id,
        algorithm_id=int(alg),
        records=scapy_build.eid_records(records),
        xtr_id=xtr_id or bytes(16),
        site_id=site_id or 0,
        **_auth_fields(data),
    )
    assert bytes(reference) == data


@PROPERTY
@given(record_lists, keys, algorithms, nonces, trailers, st.booleans())
def test_map_notify_round_trip(
    records: tuple[Mapping, ...],
    key: bytes,
    alg: Algorithm,
    nonce: int,
    trailer: tuple[bytes, int] | None,
    is_ack: bool,
) -> None:
    xtr_id, site_id = trailer or (None, None)
    encoder = encode_map_notify_ack if is_ack else encode_map_notify
    data = encoder(
        records, key=key, key_id=0, algorithm=alg, nonce=nonce, xtr_id=xtr_id, site_id=site_id
    )
    assert decode(data) == MapNotifyMessage(nonce, 0, alg, records, xtr_id, site_id, is_ack)
    layer = LispMapNotifyAck if is_ack else LispMapNotify
    reference = layer(
        xtr_id_present=int(trailer is not None),
        nonce=nonce,
        algorithm_id=int(alg),
        records=scapy_build.eid_records(records),
        xtr_id=xtr_id or bytes(16),
        site_id=site_id or 0,
        **_auth_fields(data),
    )
    assert bytes(reference) == data


@PROPERTY
@given(record_lists, keys, st.integers(0, 255), algorithms, nonces, st.booleans(), trailers)
def test_map_notify_for_register_is_the_encoded_map_notify(
    records: tuple[Mapping, ...],
    key: bytes,
    key_id: int,
    alg: Algorithm,
    nonce: int,
    proxy: bool,
    trailer: tuple[bytes, int] | None,
) -> None:
    xtr_id, site_id = trailer or (None, None)
    common = {"key": key, "key_id": key_id, "algorithm": alg, "nonce": nonce}
    register = encode_map_register(
        records, proxy_reply=proxy, xtr_id=xtr_id, site_id=site_id, **common
    )
    data = encode_map_notify_for_register(register, key=key)
    assert data == encode_map_notify(records, xtr_id=xtr_id, site_id=site_id, **common)
    reference = LispMapNotify(
        xtr_id_present=int(trailer is not None),
        nonce=nonce,
        key_id=key_id,
        algorithm_id=int(alg),
        records=scapy_build.eid_records(records),
        xtr_id=xtr_id or bytes(16),
        site_id=site_id or 0,
        **_auth_fields(data),
    )
    assert bytes(reference) == data


@PROPERTY
@given(
    st.lists(eids(), max_size=5).map(tuple),
    nonces,
    st.lists(addresses, min_size=1, max_size=32).map(tuple),
    st.one_of(st.none(), host_eids()),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_map_request_round_trip(
    eid_list: tuple[Eid, ...],
    nonce: int,
    itr_rlocs: tuple[IPAddress, ...],
    source: Eid | None,
    smr: bool,
    probe: bool,
    authoritative: bool,
) -> None:
    data = encode_map_request(
        eid_list,
        nonce=nonce,
        itr_rlocs=itr_rlocs,
        source_eid=source,
        smr=smr,
        probe=probe,
        authoritative=authoritative,
    )
    expected = MapRequestMessage(nonce, eid_list, itr_rlocs, source, smr, probe, authoritative)
    assert decode(data) == expected
    reference = LispMapRequest(
        authoritative=int(authoritative),
        probe=int(probe),
        smr=int(smr),
        nonce=nonce,
        source_eid=scapy_build.eid_address(source),
        itr_rlocs=[scapy_build.plain(a) for a in itr_rlocs],
        records=scapy_build.request_records(eid_list),
    )
    assert bytes(reference) == data


@PROPERTY
@given(record_lists, nonces, st.booleans())
def test_map_reply_round_trip(records: tuple[Mapping, ...], nonce: int, probe: bool) -> None:
    data = encode_map_reply(records, nonce=nonce, probe=probe)
    assert decode(data) == MapReplyMessage(nonce, records, probe)
    reference = LispMapReply(
        probe=int(probe), nonce=nonce, records=scapy_build.eid_records(records)
    )
    assert bytes(reference) == data


@PROPERTY
@given(
    record_lists,
    nonces,
    st.one_of(st.tuples(ipv4, ipv4), st.tuples(ipv6, ipv6)),
    st.integers(0, 65535),
    st.integers(0, 65535),
)
def test_ecm_round_trip(
    records: tuple[Mapping, ...],
    nonce: int,
    ends: tuple[IPAddress, IPAddress],
    sport: int,
    dport: int,
) -> None:
    inner = encode_map_reply(records, nonce=nonce)
    src, dst = ends
    data = encode_ecm(inner, src=src, dst=dst, sport=sport, dport=dport)
    assert decode(data) == EcmMessage(src, dst, sport, dport, decode(inner))
    # scapy computes the inner checksums independently; only IPv4's id/ttl need pinning.
    ip_layer = (
        IP(src=str(src), dst=str(dst), id=0, ttl=64)
        if src.version == 4
        else IPv6(src=str(src), dst=str(dst), hlim=64)
    )
    reference = LispEcm() / ip_layer / UDP(sport=sport, dport=dport) / inner
    assert bytes(reference) == data
