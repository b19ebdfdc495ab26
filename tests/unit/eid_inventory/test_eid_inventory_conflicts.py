"""The O(n log n) EID conflict sweep agrees with the obvious O(n^2) check."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.checks import (
    Where,
    eid_conflicts,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid

# Few distinct values so that equal and nested prefixes are common.
_eid = st.builds(
    lambda iid, v6, top, length: Eid(
        iid,
        ipaddress.ip_network(
            ((top << 24) if not v6 else (top << 120), length if not v6 else length + 96),
            strict=False,
        ),
    ),
    st.integers(0, 1),
    st.booleans(),
    st.integers(0, 3),
    st.integers(6, 10),
)
_entries = st.lists(st.tuples(_eid, st.sampled_from(["a", "b", "c"])), max_size=25)


def _brute_force(entries: list[tuple[Eid, str]]) -> set[str]:
    """Paths of EIDs contained in (or equal to) an earlier-sorting EID of
    another site: exactly the ones the sweep must report."""
    order = sorted(
        range(len(entries)),
        key=lambda i: (
            entries[i][0].instance_id,
            entries[i][0].prefix.version,
            int(entries[i][0].prefix.network_address),
            entries[i][0].prefix.prefixlen,
            i,
        ),
    )
    reported = set()
    for rank, i in enumerate(order):
        eid, site = entries[i]
        for j in order[:rank]:
            other, other_site = entries[j]
            if (
                other_site != site
                and other.instance_id == eid.instance_id
                and other.prefix.version == eid.prefix.version
                and eid.prefix.subnet_of(other.prefix)  # type: ignore[arg-type]
            ):
                reported.add(f"e{i}")
    return reported


@settings(max_examples=300, deadline=None)
@given(_entries)
def test_sweep_matches_brute_force(entries: list[tuple[Eid, str]]) -> None:
    problems = eid_conflicts(
        "x", [(eid, site, Where(f"e{i}")) for i, (eid, site) in enumerate(entries)]
    )
    assert {p.field for p in problems} == _brute_force(entries)
    assert len(problems) == len({p.field for p in problems})


def test_message_names_both_sites_and_where_the_other_is() -> None:
    entries = [
        (Eid.parse("10.0.0.0/8"), "site-a", Where("sites[0].eids[0].prefix", 12)),
        (Eid.parse("10.1.0.0/16"), "site-b", Where("sites[1].eids[0].prefix", 30)),
    ]
    (problem,) = eid_conflicts("eids.yml", entries)
    assert str(problem) == (
        "eids.yml:30: sites[1].eids[0].prefix: EID [0]10.1.0.0/16 of site 'site-b' overlaps "
        "EID [0]10.0.0.0/8 of site 'site-a' (at sites[0].eids[0].prefix, line 12)"
    )
