"""The server side of the lispnet-ms-recovery RPCs: requests read, replies
rendered (the client side: platforms/ietf/rpcs.py). A reply is an
<rpc-reply> without message-id, which the server copies in."""

from __future__ import annotations

import ipaddress

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    DEFAULT_TIMEOUT,
    ReregistrationRequest,
    ReregistrationResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    rpcs,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    NC,
    T,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    format_bool,
    parse_bool,
)

_SE = etree.SubElement


def _body(elem: etree._Element, tag: str) -> etree._Element | None:
    # Accept the body itself or an <rpc> around it.
    if elem.tag == tag:
        return elem
    return elem.find(tag)


def parse_send_reregistration_rpc(rpc: etree._Element) -> ReregistrationRequest:
    body = _body(rpc, rpcs.SEND_REREGISTRATION)
    if body is None:
        raise ValueError("not a send-reregistration RPC")
    wait = body.findtext(rpcs.WAIT)
    timeout = body.findtext(rpcs.TIMEOUT)
    return ReregistrationRequest(
        sites=tuple(s.text or "" for s in body.iterfind(rpcs.SITE)),
        wait_for_acks=True if wait is None else parse_bool(wait),
        timeout=DEFAULT_TIMEOUT if timeout is None else int(timeout),
    )


def render_send_reregistration_reply(result: ReregistrationResult) -> etree._Element:
    reply = etree.Element(T.rpc_reply, nsmap={None: NC, "lmr": LMR})
    leaf(reply, rpcs.SENT, str(result.notifications_sent))
    leaf(reply, rpcs.ACKED, str(result.acked))
    for site in result.sites:
        site_elem = _SE(reply, rpcs.SITE_RESULT)
        leaf(site_elem, rpcs.SITE, site.site)
        for etr in site.etrs:
            etr_elem = _SE(site_elem, rpcs.ETR_RESULT)
            leaf(etr_elem, rpcs.ETR, etr.etr)
            if etr.rloc is not None:
                leaf(etr_elem, rpcs.RLOC, str(etr.rloc))
            leaf(etr_elem, rpcs.ACKED, format_bool(etr.acked))
            leaf(etr_elem, rpcs.RETRIES, str(etr.retries))
            if etr.error is not None:
                leaf(etr_elem, rpcs.ERROR, etr.error)
    return reply


def is_reregister_now_rpc(rpc: etree._Element) -> bool:
    return _body(rpc, rpcs.REREGISTER_NOW) is not None


def reregister_now_map_server(rpc: etree._Element) -> str | None:
    """The reregister-now input's map-server in canonical text (None: every
    one); ValueError when it is not an IP address."""
    body = _body(rpc, rpcs.REREGISTER_NOW)
    text = None if body is None else body.findtext(rpcs.MAP_SERVER)
    return None if text is None else str(ipaddress.ip_address(text.strip()))


def render_reregister_now_reply(map_registers_sent: int) -> etree._Element:
    reply = etree.Element(T.rpc_reply, nsmap={None: NC, "lmr": LMR})
    leaf(reply, rpcs.REGISTERS_SENT, str(map_registers_sent))
    return reply
