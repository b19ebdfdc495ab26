"""`lisplab up --etr-behaviour standard|notify` and `--notify-share`: standard
ETRs behave like real ones (an unsolicited Map-Notify is dropped, no re-
registration RPC); notify ETRs act on notifications; the EID inventory says
which is which."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.backends import EtrBackend
from ansible_collections.lispnet.ms_recovery.lab.cli import build_parser
from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.faces import IetfFace, LispnetFace
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit, notify_targets
from ansible_collections.lispnet.ms_recovery.lab.netconf.errors import UnknownRpc
from ansible_collections.lispnet.ms_recovery.lab.shard import etr_config
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.dump import (
    dump_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.loader import (
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_notify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    reregister_now_rpc,
)

Sent = list[tuple[bytes, tuple[str, int]]]
CONTROLLER = ("127.202.250.9", 50000)


def _etr(spec: LabSpec, site: int) -> tuple[VirtualEtr, Sent]:
    etr = VirtualEtr(etr_config(spec, site, 0))
    sent: Sent = []
    etr.attach(lambda data, addr: sent.append((data, addr)))
    return etr, sent


def _notify(spec: LabSpec, site: int, nonce: int) -> bytes:
    store = artifacts.ms_store(spec, Path("/nonexistent/etr-behaviour"))
    name = spec.site_name(site)
    target = notify_targets(store.sites[name], store.keys[name])[0]
    return encode_map_notify(
        target.records,
        key=target.key,
        key_id=target.key_id,
        algorithm=target.algorithm,
        nonce=nonce,
    )


def test_the_default_is_standard() -> None:
    assert LabSpec().etr_behaviour == "standard"
    assert build_parser().parse_args(["up"]).etr_behaviour == "standard"
    args = build_parser().parse_args(["up", "--etr-behaviour", "notify", "--notify-share", "0.3"])
    assert (args.etr_behaviour, args.notify_share) == ("notify", 0.3)


def test_a_standard_etr_drops_an_unsolicited_notify() -> None:
    spec = LabSpec(sites=2, subnet=202, seed="behaviour", password="unused")
    etr, sent = _etr(spec, 0)
    etr.on_datagram(_notify(spec, 0, nonce=7), CONTROLLER)
    assert sent == []  # no ack, no Map-Register
    assert etr.counters["notify-unsolicited-dropped"] == 1
    assert etr.counters["reregistrations-triggered"] == 0


def test_a_standard_etr_still_takes_the_ms_ack_of_its_register() -> None:
    spec = LabSpec(sites=2, subnet=202, seed="behaviour", password="unused")
    store = artifacts.ms_store(spec, Path("/nonexistent/etr-behaviour"))
    ms = MapServerUnit("ms1-a", store, registration_timeout=180.0, notify_schedule=(60.0,))
    ms.role = "active"
    ms_sent: Sent = []
    ms.attach(lambda data, addr: ms_sent.append((data, addr)))
    etr, sent = _etr(spec, 1)
    etr.register_now()
    ms.on_datagram(sent[0][0], (str(etr.config.rloc), 4342))
    assert len(ms_sent) == 1
    etr.on_datagram(ms_sent[0][0], (str(spec.service_address), 4342))
    assert etr.counters["register-acks"] == 1
    assert etr.counters["notify-unsolicited-dropped"] == 0


def test_a_notify_etr_acks_and_reregisters() -> None:
    spec = LabSpec(sites=2, subnet=202, seed="b", password="unused", etr_behaviour="notify")
    etr, sent = _etr(spec, 0)
    etr.on_datagram(_notify(spec, 0, nonce=7), CONTROLLER)
    assert [data[0] >> 4 for data, _unused in sent] == [5, 3]  # Map-Notify-Ack, Map-Register
    assert etr.counters["reregistrations-triggered"] == 1


@pytest.mark.parametrize(
    ("share", "notify_sites"),
    [(0.0, []), (0.25, [3, 7]), (0.5, [1, 3, 5, 7]), (1.0, list(range(8)))],
)
def test_a_notify_share_picks_sites_spread_over_the_lab(
    share: float, notify_sites: list[int]
) -> None:
    spec = LabSpec(sites=8, subnet=202, password="unused", notify_share=share)
    assert [s for s in range(8) if spec.site_behaviour(s) == "notify"] == notify_sites
    assert [s for s in range(8) if etr_config(spec, s, 0).acts_on_notify] == notify_sites


def test_the_eid_inventory_marks_the_notify_etrs() -> None:
    spec = LabSpec(sites=4, etrs_per_site=2, subnet=202, password="unused", notify_share=0.5)
    written = dump_inventory(artifacts.eid_inventory(spec, "lab"), keys="plain")
    inventory = parse_inventory(written, "eids.yml")
    marked = {etr.name for site in inventory.sites for etr in site.etrs if "notify" in etr.supports}
    assert marked == {spec.etr_name(s, n) for s in (1, 3) for n in (0, 1)}


def test_only_a_notify_etr_has_the_reregistration_rpc() -> None:
    request = reregister_now_rpc()
    standard = LabSpec(sites=1, subnet=202, password="unused")
    with pytest.raises(UnknownRpc):
        asyncio.run(EtrBackend(_etr(standard, 0)[0], LispnetFace()).rpc(request))
    notify = LabSpec(sites=1, subnet=202, password="unused", etr_behaviour="notify")
    etr, sent = _etr(notify, 0)
    reply = asyncio.run(EtrBackend(etr, LispnetFace()).rpc(request))
    assert reply is not None and len(sent) == 1
    # A standard server has no augment RPCs, whatever its ETRs do on a notify.
    with pytest.raises(UnknownRpc):
        asyncio.run(EtrBackend(etr, IetfFace()).rpc(request))


def test_a_bad_behaviour_is_refused() -> None:
    with pytest.raises(ValueError, match="etr-behaviour 'kind'"):
        LabSpec(etr_behaviour="kind")
    with pytest.raises(ValueError, match="notify-share"):
        LabSpec(notify_share=1.5)
