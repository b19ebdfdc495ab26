# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``map_request``: what an ITR would get from the Map-Server for each EID.

This file decides what to ask (one host EID inside each prefix, the owning
site and its ETR RLOCs from the EID inventory) and how to judge the Map-Reply;
resolver_udp.py does the asking. A whole registration table proves little if
the Map-Server still answers wrongly, so this is the end-to-end check.
"""

from __future__ import annotations

import ipaddress
import statistics
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapReplyMessage,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    ACTION_NAMES,
    Eid,
    IPAddress,
    Mapping,
)

STATUSES = ("ok", "negative", "rloc_mismatch", "timeout")


@dataclass(frozen=True)
class Query:
    asked: str  # the EID as the user (or the inventory) gave it
    host: Eid  # the host EID carried in the Map-Request
    site: str | None  # the inventory site owning it, None when no site does
    expected: frozenset[IPAddress]  # that site's ETR RLOCs


def parse_eid(text: str) -> Eid:
    """``[iid]prefix``, a prefix or a bare host address (then /32 or /128)."""
    try:
        return Eid.parse(str(text))
    except ValueError as exc:
        raise ValueError(f"invalid EID {text!r}: {exc}") from None


def host_of(eid: Eid) -> Eid:
    """The first host address inside the prefix, the way an ITR asks for a
    destination; a /31, /32 (or IPv6 equivalent) is asked as its first address."""
    net = eid.prefix
    address = net.network_address
    if net.prefixlen < net.max_prefixlen - 1:
        address = address + 1
    return Eid(eid.instance_id, ipaddress.ip_network(f"{address}/{net.max_prefixlen}"))


def _covers(outer: Eid, inner: Eid) -> bool:
    return (
        outer.instance_id == inner.instance_id
        and outer.prefix.version == inner.prefix.version
        and inner.prefix.subnet_of(outer.prefix)  # type: ignore[arg-type]
    )


def _owner(host: Eid, owners: MappingABC[Eid, Site]) -> Site | None:
    """The site whose EID prefix covers ``host`` most specifically."""
    prefix = host.prefix
    for length in range(prefix.prefixlen, -1, -1):
        site = owners.get(Eid(host.instance_id, prefix.supernet(new_prefix=length)))
        if site is not None:
            return site
    return None


def sample_evenly(items: Sequence[str], count: int | None) -> list[str]:
    """``count`` items spread over the whole list (the same ones every run, so
    that two runs compare), or all of them."""
    if count is None or count >= len(items):
        return list(items)
    if count <= 0:
        return []
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def plan_queries(
    inventory: EidInventory,
    map_server: str,
    eids: Sequence[str] | None = None,
    sample: int | None = None,
) -> list[Query]:
    sites = inventory.sites_of(map_server)
    owners = {eid: site for site in sites for eid in site.eids}
    asked = list(eids) if eids else [str(eid) for site in sites for eid in site.eids]
    queries = []
    for text in sample_evenly(asked, sample):
        host = host_of(parse_eid(text))
        site = _owner(host, owners)
        queries.append(
            Query(
                asked=str(text),
                host=host,
                site=None if site is None else site.name,
                expected=frozenset() if site is None else site.rlocs,
            )
        )
    return queries


@dataclass(frozen=True)
class Answer:
    reply: MapReplyMessage
    replier: str
    latency: float  # seconds from the first transmission
    attempts: int


def _record_for(query: Query, reply: MapReplyMessage) -> Mapping | None:
    covering = [r for r in reply.records if _covers(r.eid, query.host)]
    # The most specific record wins, as in an ITR's map-cache.
    return max(covering, key=lambda r: r.eid.prefix.prefixlen, default=None)


def _sorted_addresses(addresses: frozenset[IPAddress]) -> list[str]:
    return [str(a) for a in sorted(addresses, key=lambda a: (a.version, int(a)))]


def classify(query: Query, answer: Answer | None, attempts: int) -> dict[str, object]:
    result: dict[str, object] = {
        "eid": query.asked,
        "query": str(query.host),
        "site": query.site,
        "expected_rlocs": _sorted_addresses(query.expected),
        "status": "timeout",
        "rlocs": [],
        "latency_ms": None,
        "replier": None,
        "reply_eid": None,
        "ttl": None,
        "action": None,
        "attempts": attempts,
        "detail": None,
    }
    if answer is None:
        return result
    result.update(
        replier=answer.replier,
        latency_ms=round(answer.latency * 1000.0, 3),
        attempts=answer.attempts,
    )
    record = _record_for(query, answer.reply)
    if record is None:
        result["status"] = "rloc_mismatch"
        got = ", ".join(str(r.eid) for r in answer.reply.records) or "no records"
        result["detail"] = f"no record in the Map-Reply covers {query.host} ({got})"
        return result
    rlocs = record.rloc_addresses
    result.update(reply_eid=str(record.eid), ttl=record.ttl, rlocs=_sorted_addresses(rlocs))
    if not rlocs:
        result["status"] = "negative"
        result["action"] = ACTION_NAMES.get(record.action, str(record.action))
        return result
    if query.site is not None and rlocs == query.expected:
        result["status"] = "ok"
        return result
    result["status"] = "rloc_mismatch"
    if query.site is None:
        result["detail"] = "the EID belongs to no site of the EID inventory"
    else:
        result["detail"] = (
            f"Map-Reply RLOCs differ from {query.site}'s ETRs:"
            f" unexpected {_sorted_addresses(rlocs - query.expected)},"
            f" missing {_sorted_addresses(query.expected - rlocs)}"
        )
    return result


def summarize(results: Sequence[dict[str, object]]) -> dict[str, object]:
    counts = {status: 0 for status in STATUSES}
    for result in results:
        counts[str(result["status"])] += 1
    latencies = [float(r["latency_ms"]) for r in results if r["latency_ms"] is not None]  # type: ignore[arg-type]
    latency = None
    if latencies:
        latency = {
            "min": min(latencies),
            "median": round(statistics.median(latencies), 3),
            "max": max(latencies),
        }
    return {"total": len(results), **counts, "latency_ms": latency}


def threshold_failures(
    summary: MappingABC[str, object], fail_on: MappingABC[str, int | None] | None
) -> list[str]:
    """A count above its threshold fails the task (as in ``registrations``):
    ``fail_on: {timeout: 0}`` fails it on the first timeout."""
    problems = []
    for status, limit in (fail_on or {}).items():
        if limit is None:
            continue
        if status not in STATUSES or status == "ok":
            raise ValueError(f"fail_on takes {', '.join(STATUSES[1:])}, not {status!r}")
        count = int(summary[status])  # type: ignore[call-overload]
        if count > limit:
            problems.append(f"{count} {status} (fail_on {status}: {limit})")
    return problems
