"""The lab's standard-server face (``lisplab up --platform ietf``) serves the
shapes of draft-ietf-lisp-yang's 2024-10-20 modules, node by node: names,
namespaces, nesting, list keys and value types, as written out by hand in
tests/support/draft_lisp_schema.py. Every reply the ietf platform asks of
such a server is held to the same yardstick, and so is the lispnet face's
IETF part (the same rendering with the augment on top)."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.etr_render import render_etr
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import (
    render_ms,
    serialize_ms_registrations,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.standard import (
    DRAFT_REVISION,
    standard_capabilities,
    standard_etr_view,
    standard_ms_view,
    without_augment,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    EtrSnapshot,
    MsSnapshot,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import filters
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)
from ansible_collections.lispnet.ms_recovery.tests.support.draft_lisp_schema import (
    ADDRESS_LEAVES,
    IDENTITIES,
    NAMESPACES,
    SCHEMA,
    TYPES,
)
from ansible_collections.lispnet.ms_recovery.tests.support.subtree import apply_subtree_filter

_PREFIX_OF = {namespace: prefix for prefix, namespace in NAMESPACES.items()}


def draft_problems(data: etree._Element, *, complete: bool = True) -> list[str]:
    """What in a NETCONF <data> is not a node of the draft's modules as a
    conformant server would serve it; empty when all is. ``complete`` False:
    a reply to a subtree filter, which may leave out an address leaf's
    address-type and a reference's target (what it holds must still agree)."""
    problems: list[str] = []
    names = {
        "locator-set-ref": _texts(data, "lisp", "locator-set-name"),
        "network-instance-ref": _texts(data, "ni", "name"),
        "complete": {"yes"} if complete else set(),
    }
    for child in _elements(data):
        _check(child, (), problems, names)
    return problems


def _texts(data: etree._Element, module: str, name: str) -> set[str]:
    return {e.text for e in data.iter(f"{{{NAMESPACES[module]}}}{name}") if e.text}


def _elements(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def _check(
    element: etree._Element,
    parent: tuple[str, ...],
    problems: list[str],
    names: dict[str, set[str]],
) -> None:
    name = etree.QName(element)
    prefix = _PREFIX_OF.get(name.namespace or "")
    path = (*parent, f"{prefix}:{name.localname}")
    where = "/".join(path)
    node = SCHEMA.get(path) if prefix else None
    if node is None:
        problems.append(f"{name.namespace} {where}: not a node of the draft")
        return
    children = _elements(element)
    if node.kind in ("container", "list"):
        if (element.text or "").strip():
            problems.append(f"{where}: a {node.kind} holds elements only, not text")
        if node.kind == "list":
            present = {etree.QName(c).localname for c in children}
            missing = [key for key in node.keys if key not in present]
            if missing:
                problems.append(f"{where}: list entry without key {', '.join(missing)}")
        for child in children:
            _check(child, path, problems, names)
        return
    if children:
        problems.append(f"{where}: a {node.kind} with child elements")
        return
    text = (element.text or "").strip()
    problem = _value_problem(element, node.type, text, names)
    if problem:
        problems.append(f"{where}: {text!r} {problem}")


def _value_problem(
    element: etree._Element, kind: str, text: str, names: dict[str, set[str]]
) -> str:
    if kind.startswith("identity:"):
        return _identity_problem(element, kind.removeprefix("identity:").split("|"), text)
    if not TYPES[kind](text):
        return f"is not a {kind}"
    local = etree.QName(element).localname
    if local in ADDRESS_LEAVES:
        # The grouping's when: the leaf of the family address-type names.
        family = element.getparent().find(f"{{{etree.QName(element).namespace}}}address-type")
        wanted = ADDRESS_LEAVES[local]
        if family is None and not names["complete"]:
            return ""
        if family is None or _identity(family, family.text or "") != ("laddr", wanted):
            return f"needs address-type laddr:{wanted}"
    if kind in names and text not in names[kind] and (names[kind] or names["complete"]):
        return f"is no {kind.removesuffix('-ref')} in the data (leafref)"
    return ""


def _identity(element: etree._Element, text: str) -> tuple[str, str] | None:
    prefix, _colon, name = text.strip().partition(":")
    namespace = element.nsmap.get(prefix) if name else None
    module = _PREFIX_OF.get(namespace or "")
    return None if module is None else (module, name)


def _identity_problem(element: etree._Element, bases: list[str], text: str) -> str:
    found = _identity(element, text)
    if found is None:
        return "is no identity of a draft module (prefix undeclared or foreign)"
    for base in bases:
        module, names = IDENTITIES[base]
        if found[0] == module and found[1] in names:
            return ""
    return f"is not derived from {' or '.join(bases)}"


def standard_ms(snapshot: MsSnapshot) -> etree._Element:
    """The ietf face's Map-Server: the lab's rendering without the augment,
    with ietf-system (as lab/faces.py IetfFace serves it)."""
    assert snapshot.unit is not None
    return standard_ms_view(render_ms(snapshot), snapshot.unit.unit_name, snapshot.unit.boot_time)


def standard_etr(snapshot: EtrSnapshot) -> etree._Element:
    assert snapshot.last_register_time is not None
    return standard_etr_view(render_etr(snapshot), "etr", snapshot.last_register_time)


def _wire(data: etree._Element) -> etree._Element:
    # What a client gets: namespace declarations as serialised, parsed again.
    return etree.fromstring(etree.tostring(data))


def test_the_ietf_face_announces_the_draft_revision() -> None:
    assert DRAFT_REVISION == "2024-10-20"
    for module in ("ietf-lisp", "ietf-lisp-mapserver", "ietf-lisp-etr", "ietf-lisp-address-types"):
        assert any(f"module={module}&revision=2024-10-20" in uri for uri in standard_capabilities())


def test_standard_map_server_is_draft_data(ms_snapshot: MsSnapshot) -> None:
    data = _wire(standard_ms(ms_snapshot))
    assert draft_problems(data) == []
    # Every part of the draft the Map-Server fills is there.
    for tag in (T.lisp_role, T.af_data, T.record, T.locator, T.auth_key, T.discontinuity):
        assert data.find(f".//{tag}") is not None, tag


def test_standard_etr_is_draft_data(etr_snapshot: EtrSnapshot) -> None:
    data = _wire(standard_etr(etr_snapshot))
    assert draft_problems(data) == []
    for tag in (T.locator_set, T.lisp_vpn, T.e_auth_key, T.local_eid):
        assert data.find(f".//{tag}") is not None, tag


@pytest.mark.parametrize(
    "flt",
    [
        filters.ms_full_filter(),
        filters.ms_registrations_filter(),
        filters.ms_registered_filter(augment=False),
        filters.standard_summary_filter(),
        filters.system_clock_filter(),
        filters.system_hostname_filter(),
    ],
    ids=["full", "registrations", "registered", "summary", "clock", "hostname"],
)
def test_every_reply_the_platform_asks_for_is_draft_data(ms_snapshot: MsSnapshot, flt: str) -> None:
    reply = _wire(apply_subtree_filter(standard_ms(ms_snapshot), flt))
    assert _elements(reply), "the filter selected nothing"
    assert draft_problems(reply, complete=False) == []


def test_the_etr_reply_is_draft_data(etr_snapshot: EtrSnapshot) -> None:
    reply = _wire(apply_subtree_filter(standard_etr(etr_snapshot), filters.etr_filter()))
    assert draft_problems(reply, complete=False) == []
    assert reply.find(f".//{T.locator_set}") is not None and reply.find(f".//{T.etr}") is not None


def test_the_lispnet_faces_fast_path_is_draft_data_under_its_augment(
    ms_snapshot: MsSnapshot,
) -> None:
    """The registration filters' serialized answer (lab/faces.py ms_exact),
    its augment leaves taken off, is draft data too."""
    for brief in (False, True):
        assert ms_snapshot.unit is not None
        text = b"".join(
            serialize_ms_registrations(
                ms_snapshot.sites,
                ms_snapshot.registrations,
                brief=brief,
                since=ms_snapshot.unit.boot_time,
            )
        )
        reply = without_augment(etree.fromstring(text))
        assert draft_problems(reply, complete=not brief) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # The shapes this project served before it followed the 2024-10-20 draft.
        (lambda d: _first(d, T.eid_id).__setattr__("text", "[0]10.1.0.0/16"), "id-type"),
        (lambda d: _first(d, T.xtr_id).__setattr__("text", "0a" * 16), "binary16"),
        (lambda d: _first(d, T.authoritative).__setattr__("text", "true"), "bits:A"),
        (lambda d: _move_up(_first(d, T.af_data)), "not a node of the draft"),
        (lambda d: _flatten_locator(_first(d, T.locator_address)), "elements only"),
        (lambda d: _first(d, T.address_type).__setattr__("text", "ipv4-prefix"), "identity"),
        (lambda d: _first(d, T.ipv4_prefix).getparent().remove(_first(d, T.address_type)), "needs"),
        (lambda d: _first(d, T.auth_algorithm_id).__setattr__("text", "hmac-sha-256"), "identity"),
        (lambda d: _first(d, T.record).remove(_first(d, T.xtr_id)), "without key xtr-id"),
    ],
    ids=[
        "eid-id",
        "xtr-id",
        "authoritative",
        "af-datum",
        "locator-address",
        "address-type",
        "address-when",
        "algorithm",
        "key",
    ],
)
def test_the_check_catches_the_old_shapes(
    ms_snapshot: MsSnapshot, change: object, expected: str
) -> None:
    data = _wire(standard_ms(ms_snapshot))
    assert callable(change)
    change(data)
    problems = draft_problems(data)
    assert problems and any(expected in p for p in problems), problems


def test_the_check_refuses_the_augment(ms_snapshot: MsSnapshot) -> None:
    problems = draft_problems(_wire(render_ms(ms_snapshot)))
    assert problems and all("lispnet-ms-recovery" in p for p in problems)


def test_etr_locator_set_reference_is_checked(etr_snapshot: EtrSnapshot) -> None:
    data = _wire(standard_etr(etr_snapshot))
    _first(data, T.e_rlocs).text = "no-such-set"
    assert any("is no locator-set in the data" in p for p in draft_problems(data))


def _first(data: etree._Element, tag: str) -> etree._Element:
    found = data.find(f".//{tag}")
    assert found is not None, tag
    return found


def _move_up(af_data: etree._Element) -> None:
    """The old summary: af-datum entries straight under summary."""
    datum = af_data.getparent()
    summary = datum.getparent()
    moved = copy.deepcopy(af_data)
    moved.tag = T.af_datum
    summary.append(moved)
    summary.remove(datum)


def _flatten_locator(address: etree._Element) -> None:
    """The old locator-address: a leaf holding the address text."""
    text = "".join(c.text or "" for c in address if etree.QName(c).localname != "address-type")
    for child in list(address):
        address.remove(child)
    address.text = text
