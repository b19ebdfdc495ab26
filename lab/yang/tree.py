"""The routing/control-plane-protocol wrapper every LISP role is rendered under."""

from __future__ import annotations

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LISP_PROTOCOL_TYPE,
    NSMAP,
    T,
)

_SE = etree.SubElement


# Declared once on <data>: routing, and lisp for identityref values like
# ``lisp:lisp``. Each role container declares its own module as the default
# namespace (role_nsmap): with a prefix declared above it, lxml would write
# that prefix on every element of a 50,000-entry table (a third of its text).
_DATA_NSMAP = {prefix: NSMAP[prefix] for prefix in (None, "rt", "lisp")}


def new_data() -> etree._Element:
    """An empty NETCONF <data>."""
    return etree.Element(T.data, nsmap=_DATA_NSMAP)


def role_nsmap(namespace: str) -> dict[str | None, str]:
    """The nsmap of a role container (map-server, etr): its module as default,
    and the lmr prefix of the lispnet-ms-recovery augment."""
    return {None: namespace, "lmr": NSMAP["lmr"]}


def add_lisp_instance(data: etree._Element, protocol_name: str, role: str) -> etree._Element:
    """Append routing/control-plane-protocols/control-plane-protocol[lisp] and
    return its <lisp> container, holding ``role`` (a lisp-role-type value such
    as ``MS_ROLE``) in its lisp-role list: ietf-lisp-mapserver's and
    ietf-lisp-etr's containers exist only under a LISP instance playing their
    role."""
    routing = data.find(T.routing)
    if routing is None:
        routing = _SE(data, T.routing)
    cpps = routing.find(T.cpps)
    if cpps is None:
        cpps = _SE(routing, T.cpps)
    cpp = _SE(cpps, T.cpp)
    _SE(cpp, T.rt_type).text = LISP_PROTOCOL_TYPE
    _SE(cpp, T.rt_name).text = protocol_name
    lisp = _SE(cpp, T.lisp)
    prefix = role.partition(":")[0]
    # The identity's prefix declared on the leaf itself: a subtree filter's
    # copy of the leaf keeps it in scope wherever the copy lands.
    _SE(_SE(lisp, T.lisp_role), T.lisp_role_type, nsmap={prefix: NSMAP[prefix]}).text = role
    return lisp
