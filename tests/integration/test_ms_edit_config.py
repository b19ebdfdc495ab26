"""edit-config of the virtual MS's stored sites, end to end over NETCONF (ncclient):
a site written over NETCONF is at once one the MS accepts Map-Registers for,
a deleted one at once one it refuses, and the change survives a reboot."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from lxml import etree
from ncclient.operations.rpc import RPCError

from ansible_collections.lispnet.ms_recovery.lab.processes import wait_ms_back
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_config import (
    stored_sites_config,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    filters,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.ms_parse import (
    parse_ms,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab, eventually

KEY = "edit-config-secret-key"
EID1, EID2 = Eid.parse("[0]198.51.100.0/24"), Eid.parse("[0]198.51.101.0/24")
NEW_SITE = (
    "<site><name>site-new</name><site-id>900</site-id><auth-key-id>3</auth-key-id>"
    f"<auth-algorithm>hmac-sha-256</auth-algorithm><auth-key-value>{KEY}</auth-key-value>"
    "<etrs><etr><name>site-new-etr1</name><rloc>127.0.0.1</rloc></etr></etrs>"
    f"<eids><eid><eid-id>{EID1}</eid-id><instance-id>0</instance-id>"
    f"<prefix>{EID1.prefix}</prefix></eid></eids></site>"
)


def _edit(lab: Lab, sites_xml: str, default: str | None = None) -> None:
    with lab.ms_session() as session:
        reply = session.manager.edit_config(
            target="running", config=stored_sites_config(sites_xml), default_operation=default
        )
        assert reply.ok


def _refused(lab: Lab, sites_xml: str) -> RPCError:
    with pytest.raises(RPCError) as info:
        _edit(lab, sites_xml)
    return info.value


def _stored(lab: Lab) -> tuple[dict[str, MsSite], bytes]:
    """The stored sites as get-config shows them, and the raw reply."""
    with lab.ms_session() as session:
        reply = session.manager.get_config(
            source="running", filter=("subtree", filters.ms_stored_sites_filter())
        )
    raw = etree.tostring(reply.data_ele)
    return {s.name: s for s in parse_ms(reply.data_ele).stored}, raw


def _register(lab: Lab, eids: list[Eid], nonce: int, key: str = KEY) -> bool:
    """A Map-Register for the new site from 127.0.0.1; True when the MS acked it."""
    data = encode_map_register(
        [Mapping(eid, (Rloc.of("127.0.0.1"),)) for eid in eids],
        key=key.encode(),
        key_id=3,
        algorithm=Algorithm.HMAC_SHA_256,
        nonce=nonce,
        xtr_id=b"\x42" * 16,
        site_id=900,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2.0)
        sock.sendto(data, (str(lab.spec.service_address), 4342))
        try:
            reply, _unused = sock.recvfrom(4096)
        except TimeoutError:
            return False
        message = decode(reply)
        return isinstance(message, MapNotifyMessage) and message.nonce == nonce
    finally:
        sock.close()


def test_sites_are_written_over_netconf_and_honoured_at_once(lab: Lab) -> None:
    nonces = NonceCounter(None)
    # Add: the MS accepts the new site's Map-Register with its key at once.
    _edit(lab, NEW_SITE)
    stored, raw = _stored(lab)
    assert stored["site-new"].eids == (EID1,)
    assert stored["site-new"].key_id == 3
    assert KEY.encode() not in raw  # get-config never returns the key
    assert _register(lab, [EID1], nonces.next())
    assert eventually(lambda: EID1 in lab.registered())

    # Merge: one more EID, another ETR RLOC; the rest stays.
    _edit(
        lab,
        "<site><name>site-new</name>"
        "<etrs><etr><name>site-new-etr1</name><rloc>127.0.0.2</rloc></etr></etrs>"
        f"<eids><eid><eid-id>{EID2}</eid-id></eid></eids></site>",
    )
    stored, _unused = _stored(lab)
    assert stored["site-new"].eids == (EID1, EID2)
    assert [(e.name, e.rloc) for e in stored["site-new"].etrs] == [
        ("site-new-etr1", ipaddress.ip_address("127.0.0.2"))
    ]
    assert _register(lab, [EID1, EID2], nonces.next())
    assert eventually(lambda: {EID1, EID2} <= set(lab.registered()))

    # Replace: the whole site is what the request says.
    _edit(lab, NEW_SITE.replace("<site-id>900</site-id>", "<site-id>901</site-id>"), "replace")
    stored, _unused = _stored(lab)
    assert (stored["site-new"].site_id, stored["site-new"].eids) == (901, (EID1,))
    assert EID2 not in lab.registered()  # its registration went with the prefix

    # Survives a reboot of the MS.
    lab.control("reboot", down_for=1)
    wait_ms_back(lab.dir, timeout=20)
    stored, _unused = _stored(lab)
    assert stored["site-new"].site_id == 901
    assert _register(lab, [EID1], nonces.next())
    assert eventually(lambda: EID1 in lab.registered())

    # Delete: registrations gone, and a Map-Register for it is an unknown site.
    _edit(lab, '<site nc:operation="delete"><name>site-new</name></site>')
    assert "site-new" not in _stored(lab)[0]
    assert EID1 not in lab.registered()
    unknown = lab.read_ms().counters.get("unknown-site", 0)
    assert not _register(lab, [EID1], nonces.next())
    assert eventually(lambda: lab.read_ms().counters.get("unknown-site", 0) == unknown + 1)
    assert EID1 not in lab.registered()


def test_bad_edits_are_refused_and_change_nothing(lab: Lab) -> None:
    before, _unused = _stored(lab)
    existing = next(iter(before.values()))

    error = _refused(
        lab,
        NEW_SITE.replace("<site>", '<site nc:operation="create">').replace(
            "site-new<", f"{existing.name}<"
        ),
    )
    assert error.tag == "data-exists" and existing.name in error.message

    taken = existing.eids[0]
    overlapping = NEW_SITE.replace(str(EID1), str(taken)).replace(
        str(EID1.prefix), str(taken.prefix)
    )
    # A valid site in the same request is not written either (all or nothing).
    valid = NEW_SITE.replace("site-new<", "site-new2<").replace(str(EID1), str(EID2))
    error = _refused(lab, valid.replace(str(EID1.prefix), str(EID2.prefix)) + overlapping)
    assert error.tag == "invalid-value"
    assert "site-new" in error.message and str(taken) in error.message

    error = _refused(lab, "<site><name>site-new</name><colour>red</colour></site>")
    assert error.tag == "unknown-element"

    with lab.ms_session() as session, pytest.raises(RPCError) as info:
        session.manager.edit_config(
            target="running",
            config='<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
            '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/></config>',
        )
    assert info.value.tag == "operation-not-supported" and "interfaces" in info.value.message

    after, _unused = _stored(lab)
    assert after == before
