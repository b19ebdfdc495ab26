"""edit-config of the virtual Map-Server's stored sites: plan, validate, apply.

:func:`plan_site_edits` works out the final state of every site the request
names (RFC 6241 7.2 operations, read by ``lab/yang/ms_config.py``) without touching
the store, and validates the result as a whole, so a request is applied
entirely or not at all. :func:`apply_plan` then writes it to the store and
says which EIDs lost their owner: their registrations must go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ansible_collections.lispnet.ms_recovery.lab.ms_store import KeyedSite, MsStore
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_config import (
    DROPPING,
    EidEdit,
    EtrEdit,
    SiteEdit,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSite,
    StoredEtr,
)

# What an ETR and this MS can check a Map-Register with (not "none": a site
# anyone could register for is not a site).
SITE_ALGORITHMS = frozenset({"hmac-sha-1", "hmac-sha-256"})


class EditError(ValueError):
    """The request is refused; ``tag`` is the NETCONF error-tag."""

    def __init__(self, tag: str, message: str) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message


@dataclass(frozen=True)
class EditPlan:
    """The sites to write (complete, with their keys) and the sites to delete."""

    put: tuple[KeyedSite, ...] = ()
    removed: tuple[str, ...] = ()


def plan_site_edits(store: MsStore, edits: Sequence[SiteEdit]) -> EditPlan:
    """The final state of every site ``edits`` names, validated; raises EditError."""
    final: dict[str, KeyedSite | None] = {}  # None: deleted
    for edit in edits:
        current = final[edit.name] if edit.name in final else store.keyed(edit.name)
        final[edit.name] = _edit_site(current, edit)
    put = tuple(s for s in final.values() if s is not None)
    for keyed in put:
        _validate_site(keyed)
    _check_overlaps(
        (keyed.site for keyed in put),
        (s for n, s in store.sites.items() if n not in final),
    )
    return EditPlan(put=put, removed=tuple(n for n, s in final.items() if s is None))


def apply_plan(store: MsStore, plan: EditPlan) -> dict[Eid, str]:
    """Write ``plan`` to ``store``; the EIDs no longer owned by the site that
    owned them, with that site (their registrations are now stale)."""
    dropped: dict[Eid, str] = {}
    for name in plan.removed:
        site = store.remove_site(name)
        if site is not None:
            dropped.update(dict.fromkeys(site.eids, name))
    for site, key in plan.put:
        previous = store.sites.get(site.name)
        if previous is not None:
            kept = set(site.eids)
            dropped.update({e: previous.name for e in previous.eids if e not in kept})
        store.put_site(site, key)
    return dropped


# Operations on one site ------------------------------------------------------------
def _edit_site(current: KeyedSite | None, edit: SiteEdit) -> KeyedSite | None:
    op = edit.operation
    if op == "delete" and current is None:
        raise EditError("data-missing", f"site {edit.name} does not exist")
    if op in DROPPING:
        return None
    if op == "create" and current is not None:
        raise EditError("data-exists", f"site {edit.name} already exists")
    if op == "none" and current is None:
        raise EditError("data-missing", f"site {edit.name} does not exist")
    if op in ("create", "replace") or current is None:
        return _new_site(edit)
    return _merged_site(current, edit)


def _new_site(edit: SiteEdit) -> KeyedSite:
    where = f"site {edit.name}"
    for leaf_name, value in (
        ("site-id", edit.site_id),
        ("auth-key-id", edit.key_id),
        ("auth-algorithm", edit.algorithm),
        ("auth-key-value", edit.key),
    ):
        if value is None:
            raise EditError("invalid-value", f"{where}: a new site needs {leaf_name}")
    assert edit.site_id is not None and edit.key_id is not None
    assert edit.algorithm is not None and edit.key is not None
    etrs = [_new_etr(e, where) for e in edit.etrs if e.operation not in DROPPING]
    eids = [e.eid for e in edit.eids if e.operation not in DROPPING]
    site = MsSite(
        name=edit.name,
        site_id=edit.site_id,
        key_id=edit.key_id,
        algorithm=edit.algorithm,
        eids=tuple(dict.fromkeys(eids)),
        etrs=_unique_etrs(etrs),
    )
    return KeyedSite(site, edit.key.encode())


def _merged_site(current: KeyedSite, edit: SiteEdit) -> KeyedSite:
    where = f"site {edit.name}"
    site = current.site
    merged = MsSite(
        name=site.name,
        site_id=site.site_id if edit.site_id is None else edit.site_id,
        key_id=site.key_id if edit.key_id is None else edit.key_id,
        algorithm=site.algorithm if edit.algorithm is None else edit.algorithm,
        eids=_merged_eids(site.eids, edit, where),
        etrs=_merged_etrs(site.etrs, edit, where),
    )
    return KeyedSite(merged, current.key if edit.key is None else edit.key.encode())


def _list_replaced(container_op: str | None, site_op: str, entries: int) -> str | None:
    """How a list's container edit acts as a whole: "replace" (the list becomes
    the entries given), "clear" (an explicit delete/remove without entries), or
    None (entry by entry)."""
    if container_op == "replace" and site_op != "replace":
        return "replace"
    if container_op in DROPPING and not entries:
        return "clear"
    return None


def _merged_etrs(
    current: tuple[StoredEtr, ...], edit: SiteEdit, where: str
) -> tuple[StoredEtr, ...]:
    whole = _list_replaced(edit.etrs_operation, edit.operation, len(edit.etrs))
    if whole == "clear":
        return ()
    if whole == "replace":
        return _unique_etrs([_new_etr(e, where) for e in edit.etrs if e.operation not in DROPPING])
    etrs = {e.name: e for e in current}
    for entry in edit.etrs:
        existing = etrs.get(entry.name)
        what = f"{where}: etr {entry.name}"
        op = entry.operation
        if op in ("delete", "none") and existing is None:
            raise EditError("data-missing", f"{what} does not exist")
        if op == "create" and existing is not None:
            raise EditError("data-exists", f"{what} already exists")
        if op in DROPPING:
            etrs.pop(entry.name, None)
        elif op == "none":
            continue
        elif existing is None or op == "replace":
            etrs[entry.name] = _new_etr(entry, where)
        elif entry.rloc is not None and entry.rloc != existing.rloc:
            # A new address has not been notified yet: its result is unknown.
            etrs[entry.name] = StoredEtr(entry.name, entry.rloc)
    return tuple(etrs.values())


def _merged_eids(current: tuple[Eid, ...], edit: SiteEdit, where: str) -> tuple[Eid, ...]:
    whole = _list_replaced(edit.eids_operation, edit.operation, len(edit.eids))
    if whole == "clear":
        return ()
    if whole == "replace":
        return tuple(dict.fromkeys(e.eid for e in edit.eids if e.operation not in DROPPING))
    eids = dict.fromkeys(current)
    for entry in edit.eids:
        _edit_eid(eids, entry, where)
    return tuple(eids)


def _edit_eid(eids: dict[Eid, None], entry: EidEdit, where: str) -> None:
    op, present = entry.operation, entry.eid in eids
    if op in ("delete", "none") and not present:
        raise EditError("data-missing", f"{where}: EID {entry.eid} does not exist")
    if op == "create" and present:
        raise EditError("data-exists", f"{where}: EID {entry.eid} already exists")
    if op in DROPPING:
        eids.pop(entry.eid, None)
    elif op != "none":
        eids[entry.eid] = None


def _new_etr(entry: EtrEdit, where: str) -> StoredEtr:
    if entry.rloc is None:
        raise EditError("invalid-value", f"{where}: etr {entry.name} needs an rloc")
    return StoredEtr(entry.name, entry.rloc)


def _unique_etrs(etrs: list[StoredEtr]) -> tuple[StoredEtr, ...]:
    return tuple({e.name: e for e in etrs}.values())


# Validation ----------------------------------------------------------------------
def _validate_site(keyed: KeyedSite) -> None:
    site = keyed.site
    where = f"site {site.name}"
    if site.algorithm not in SITE_ALGORITHMS:
        raise EditError(
            "invalid-value",
            f"{where}: auth-algorithm {site.algorithm!r} is not one of "
            f"{', '.join(sorted(SITE_ALGORITHMS))}",
        )
    if not keyed.key:
        raise EditError("invalid-value", f"{where}: auth-key-value must not be empty")
    if not site.eids:
        raise EditError("invalid-value", f"{where}: a site needs at least one EID")


def _check_overlaps(changed: Iterable[MsSite], unchanged: Iterable[MsSite]) -> None:
    """Refuse an EID of a written site that overlaps (equals, covers or lies
    inside) another site's EID in the same instance.

    Prefixes either nest or are disjoint, so one sorted sweep with a stack of
    the prefixes still open finds every overlap: O(n log n) over all EIDs,
    where comparing the new EIDs with every stored one would be O(n * k).
    """
    items: list[tuple[int, int, int, int, bool, str, Eid]] = []
    for site, is_changed in [(s, True) for s in changed] + [(s, False) for s in unchanged]:
        for eid in site.eids:
            net = eid.prefix
            start = int(net.network_address)
            end = start | ((1 << (net.max_prefixlen - net.prefixlen)) - 1)
            items.append((eid.instance_id, net.version, start, -end, is_changed, site.name, eid))
    if not any(item[4] for item in items):
        return
    items.sort(key=lambda i: (i[0], i[1], i[2], i[3]))
    stack: list[tuple[int, int, int, int, bool, str, Eid]] = []
    for item in items:
        iid, version, start = item[0], item[1], item[2]
        while stack and (stack[-1][0], stack[-1][1]) == (iid, version) and -stack[-1][3] < start:
            stack.pop()
        if stack and (stack[-1][0], stack[-1][1]) != (iid, version):
            stack.clear()
        for outer in stack:
            if outer[5] != item[5] and (outer[4] or item[4]):
                mine, theirs = (item, outer) if item[4] else (outer, item)
                raise EditError(
                    "invalid-value",
                    f"site {mine[5]}: EID {mine[6]} overlaps EID {theirs[6]} of site {theirs[5]}",
                )
        stack.append(item)
