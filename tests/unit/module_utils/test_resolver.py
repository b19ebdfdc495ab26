"""map_request logic: what is asked, how a Map-Reply is judged, thresholds, and the
UDP resolver against a fake Map-Server on loopback (nonce matching, forwarded
replies from another address, timeouts)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    EcmMessage,
    MapReplyMessage,
    MapRequestMessage,
    decode,
    encode_map_reply,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Action,
    Eid,
    Mapping,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver import (
    Answer,
    Query,
    classify,
    host_of,
    parse_eid,
    plan_queries,
    sample_evenly,
    summarize,
    threshold_failures,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_run import (
    ProbeSettings,
    run_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_udp import (
    local_address_towards,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_reregister_plan import (
    make_inventory,
    make_site,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_reregister_run import (
    free_loopback_subnet,
)

SITE_A = make_site("site-a", 1, ["10.1.0.0/16", "2001:db8:1::/48"], ["127.10.1.1"])
# More specific than site-a's /16: the longest match owns 10.1.5.0/24.
SITE_B = make_site("site-b", 2, ["10.1.5.0/24"], ["127.10.2.1", "127.10.2.2"])
INVENTORY = make_inventory(SITE_A, SITE_B)


def eid(text: str) -> Eid:
    return Eid.parse(text)


def reply(*records: Mapping, nonce: int = 1) -> MapReplyMessage:
    return MapReplyMessage(nonce=nonce, records=records, probe=False)


def answer(message: MapReplyMessage) -> Answer:
    return Answer(message, "127.10.0.1", 0.0042, 1)


def query(text: str) -> Query:
    return plan_queries(INVENTORY, "ms1", [text])[0]


@pytest.mark.parametrize(
    ("prefix", "host"),
    [
        ("10.1.0.0/24", "[0]10.1.0.1/32"),
        ("10.1.0.7/32", "[0]10.1.0.7/32"),
        ("10.1.0.6/31", "[0]10.1.0.6/32"),
        ("2001:db8::/64", "[0]2001:db8::1/128"),
        ("[5]192.0.2.0/24", "[5]192.0.2.1/32"),
    ],
)
def test_a_prefix_is_asked_as_its_first_host(prefix: str, host: str) -> None:
    assert str(host_of(eid(prefix))) == host


def test_eids_may_be_host_addresses_but_not_prefixes_with_host_bits() -> None:
    assert str(parse_eid("10.1.5.9")) == "[0]10.1.5.9/32"
    with pytest.raises(ValueError, match=r"invalid EID '10\.1\.5\.9/24'"):
        parse_eid("10.1.5.9/24")


def test_by_default_every_eid_of_the_map_server_is_asked() -> None:
    queries = plan_queries(INVENTORY, "ms1")
    assert [q.asked for q in queries] == ["[0]10.1.0.0/16", "[0]2001:db8:1::/48", "[0]10.1.5.0/24"]
    assert [q.site for q in queries] == ["site-a", "site-a", "site-b"]


def test_the_owner_is_the_most_specific_inventory_prefix() -> None:
    assert query("10.1.5.77").site == "site-b"
    assert query("10.1.5.77").expected == SITE_B.rlocs
    assert query("10.1.6.1").site == "site-a"
    assert query("192.0.2.1").site is None
    assert query("[9]10.1.5.1").site is None  # another instance is another EID space


def test_a_sample_is_spread_over_the_list_and_stable() -> None:
    items = [str(i) for i in range(100)]
    assert sample_evenly(items, 4) == ["0", "25", "50", "75"]
    assert sample_evenly(items, 500) == items
    assert sample_evenly(items, None) == items
    assert len(plan_queries(INVENTORY, "ms1", sample=2)) == 2


def test_matching_rlocs_are_ok() -> None:
    q = query("10.1.5.0/24")
    rlocs = (Rloc.of("127.10.2.2"), Rloc.of("127.10.2.1"))
    result = classify(q, answer(reply(Mapping(eid("10.1.5.0/24"), rlocs))), 1)
    assert result["status"] == "ok"
    assert result["rlocs"] == ["127.10.2.1", "127.10.2.2"] == result["expected_rlocs"]
    assert result["latency_ms"] == 4.2 and result["replier"] == "127.10.0.1"
    assert result["reply_eid"] == "[0]10.1.5.0/24" and result["site"] == "site-b"


def test_a_reply_without_rlocs_is_negative() -> None:
    negative = Mapping(eid("10.1.0.0/16"), (), ttl=1, action=Action.NATIVELY_FORWARD)
    result = classify(query("10.1.0.0/16"), answer(reply(negative)), 1)
    assert result["status"] == "negative"
    assert (result["action"], result["ttl"], result["rlocs"]) == ("natively-forward", 1, [])


def test_other_or_missing_rlocs_are_a_mismatch() -> None:
    one_of_two = Mapping(eid("10.1.5.0/24"), (Rloc.of("127.10.2.1"),))
    result = classify(query("10.1.5.0/24"), answer(reply(one_of_two)), 1)
    assert result["status"] == "rloc_mismatch"
    assert "missing ['127.10.2.2']" in str(result["detail"])
    stranger = Mapping(eid("10.1.0.0/16"), (Rloc.of("192.0.2.99"),))
    result = classify(query("10.1.0.0/16"), answer(reply(stranger)), 1)
    assert "unexpected ['192.0.2.99']" in str(result["detail"])


def test_a_reply_not_covering_the_asked_eid_is_a_mismatch() -> None:
    elsewhere = Mapping(eid("10.9.0.0/16"), (Rloc.of("127.10.1.1"),))
    result = classify(query("10.1.0.0/16"), answer(reply(elsewhere)), 1)
    assert result["status"] == "rloc_mismatch"
    assert "no record in the Map-Reply covers [0]10.1.0.1/32" in str(result["detail"])


def test_a_positive_reply_for_an_eid_of_no_site_is_a_mismatch() -> None:
    mapping = Mapping(eid("192.0.2.0/24"), (Rloc.of("127.10.1.1"),))
    result = classify(query("192.0.2.0/24"), answer(reply(mapping)), 1)
    assert result["status"] == "rloc_mismatch"
    assert "no site" in str(result["detail"])


def test_no_answer_is_a_timeout() -> None:
    result = classify(query("10.1.0.0/16"), None, 3)
    assert (result["status"], result["latency_ms"], result["attempts"]) == ("timeout", None, 3)


def test_summary_and_thresholds_above_the_limit_fail() -> None:
    results = [
        classify(query("10.1.0.0/16"), None, 2),
        classify(query("10.1.5.0/24"), None, 2),
        classify(query("2001:db8:1::/48"), answer(reply(Mapping(eid("2001:db8:1::/48"), ()))), 1),
    ]
    summary = summarize(results)
    assert (summary["total"], summary["timeout"], summary["negative"], summary["ok"]) == (
        3,
        2,
        1,
        0,
    )
    assert summary["latency_ms"] == {"min": 4.2, "median": 4.2, "max": 4.2}
    assert threshold_failures(summary, {"timeout": 2, "negative": None}) == []
    assert threshold_failures(summary, {"timeout": 1}) == ["2 timeout (fail_on timeout: 1)"]
    assert threshold_failures(summary, {}) == []
    with pytest.raises(ValueError, match="fail_on takes"):
        threshold_failures(summary, {"missing": 0})


class FakeMapServer:
    """Answers ECM Map-Requests: proxy reply for site-a, a reply sent from another
    address (as a forwarding ETR would) for site-b, silence for 10.1.99.0/24.
    A stray reply with a wrong nonce comes first every time."""

    def __init__(self, subnet: int) -> None:
        self.address = f"127.{subnet}.0.1"
        self.etr_address = f"127.{subnet}.2.1"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.address, 4342))
        self.sock.settimeout(0.05)
        self.etr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.etr.bind((self.etr_address, 4342))
        self.requests: list[EcmMessage] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, _unused = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            ecm = decode(data)
            assert isinstance(ecm, EcmMessage) and isinstance(ecm.message, MapRequestMessage)
            self.requests.append(ecm)
            request = ecm.message
            itr = (str(request.itr_rlocs[0]), ecm.inner_sport)
            asked = request.eids[0]
            stray = Mapping(asked, (Rloc.of("192.0.2.66"),))
            self.sock.sendto(encode_map_reply([stray], nonce=request.nonce ^ 1), itr)
            if asked.prefix.subnet_of(ipaddress.ip_network("10.1.99.0/24")):
                continue
            if asked.prefix.subnet_of(ipaddress.ip_network("10.1.5.0/24")):
                rlocs = (Rloc.of("127.10.2.1"), Rloc.of("127.10.2.2"))
                mapping = Mapping(eid("10.1.5.0/24"), rlocs)
                self.etr.sendto(encode_map_reply([mapping], nonce=request.nonce), itr)
                continue
            mapping = Mapping(eid("10.1.0.0/16"), (Rloc.of("127.10.1.1"),), authoritative=False)
            self.sock.sendto(encode_map_reply([mapping], nonce=request.nonce), itr)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        self.etr.close()


@pytest.fixture
def fake_ms() -> Iterator[FakeMapServer]:
    server = FakeMapServer(free_loopback_subnet())
    yield server
    server.close()


def inventory_for(server: FakeMapServer):  # type: ignore[no-untyped-def]
    inventory = make_inventory(SITE_A, SITE_B)
    ms = inventory.map_servers[0]
    moved = type(ms)(ms.name, ipaddress.ip_address(server.address), ms.units)
    return type(inventory)(map_servers=(moved,), sites=inventory.sites)


def test_resolving_through_a_map_server(fake_ms: FakeMapServer) -> None:
    settings = ProbeSettings(timeout=0.2, retries=1, concurrency=2)
    result = run_map_request(
        inventory_for(fake_ms),
        map_server=None,
        eids=["10.1.0.0/16", "10.1.5.9", "10.1.99.0/24"],
        sample=None,
        settings=settings,
    )
    by_eid = {r["eid"]: r for r in result["results"]}
    assert by_eid["10.1.0.0/16"]["status"] == "ok"
    assert by_eid["10.1.0.0/16"]["replier"] == fake_ms.address
    assert by_eid["10.1.5.9"]["status"] == "ok"
    assert by_eid["10.1.5.9"]["replier"] == fake_ms.etr_address  # forwarded
    assert by_eid["10.1.99.0/24"]["status"] == "timeout"
    assert by_eid["10.1.99.0/24"]["attempts"] == 2
    assert result["changed"] is False and "failed" not in result
    # What went on the wire: an ECM to the MS whose inner source and ITR-RLOC
    # are the controller's address, and inner source port its socket's port.
    ecm = fake_ms.requests[0]
    assert ecm.inner_dst == ipaddress.ip_address(fake_ms.address)
    assert ecm.inner_src == ecm.message.itr_rlocs[0] == local_address_towards(ecm.inner_dst)
    assert str(ecm.message.eids[0]) == "[0]10.1.0.1/32"


def test_fail_on_fails_the_run_and_names_the_eids(fake_ms: FakeMapServer) -> None:
    result = run_map_request(
        inventory_for(fake_ms),
        map_server=None,
        eids=["10.1.99.0/24"],
        sample=None,
        settings=ProbeSettings(timeout=0.1, retries=0),
        fail_on={"timeout": 0},
    )
    assert result["failed"] is True
    assert "1 timeout (fail_on timeout: 0)" in result["msg"]
    assert "10.1.99.0/24 (site-a): timeout" in result["msg"]


def test_a_bad_fail_on_key_fails_before_probing() -> None:
    with pytest.raises(ValueError, match="fail_on takes"):
        run_map_request(
            INVENTORY, map_server=None, eids=None, sample=None, settings=ProbeSettings(),
            fail_on={"bogus": 1},
        )  # fmt: skip


def test_source_address_of_another_family_is_refused(fake_ms: FakeMapServer) -> None:
    from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_udp import (
        Resolver,
    )

    async def open_it() -> None:
        async with Resolver(
            ipaddress.ip_address(fake_ms.address), ProbeSettings(source_address="::1")
        ):
            pass

    with pytest.raises(ValueError, match="different IP versions"):
        asyncio.run(open_it())
