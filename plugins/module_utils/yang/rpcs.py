# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project's RPCs: send-reregistration (MS) and reregister-now (ETR).

Builders return the RPC body (the element inside <rpc>), which is what
ncclient's ``dispatch`` and netcommon's ``dispatch(rpc_command=...)`` take.
The server side gets the matching request parsers and reply renderers; a
reply is an <rpc-reply> without message-id, which the server copies in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import (
    LMR,
    NC,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.tree import leaf
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.values import (
    format_bool,
    parse_bool,
)

_SE = etree.SubElement
SEND_REREGISTRATION = q(LMR, "send-reregistration")
REREGISTER_NOW = q(LMR, "reregister-now")
_SITE = q(LMR, "site")
_WAIT = q(LMR, "wait-for-acks")
_TIMEOUT = q(LMR, "timeout")
_SENT = q(LMR, "notifications-sent")
_ACKED = q(LMR, "acked")
_SITE_RESULT = q(LMR, "site-result")
_ETR_RESULT = q(LMR, "etr-result")
_ETR = q(LMR, "etr")
_RLOC = q(LMR, "rloc")
_RETRIES = q(LMR, "retries")
_ERROR = q(LMR, "error")
_REGISTERS_SENT = q(LMR, "map-registers-sent")
_NSMAP = {None: LMR}
DEFAULT_TIMEOUT = 10


@dataclass(frozen=True)
class ReregistrationRequest:
    """``sites`` empty means every stored site."""

    sites: tuple[str, ...]
    wait_for_acks: bool = True
    timeout: int = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class EtrResult:
    etr: str
    rloc: IPAddress | None
    acked: bool
    retries: int = 0
    error: str | None = None


@dataclass(frozen=True)
class SiteResult:
    site: str
    etrs: tuple[EtrResult, ...]


@dataclass(frozen=True)
class ReregistrationResult:
    notifications_sent: int
    acked: int
    sites: tuple[SiteResult, ...]


def send_reregistration_rpc(
    sites: Sequence[str], wait_for_acks: bool, timeout: int
) -> etree._Element:
    if not 0 <= timeout <= 0xFFFF:
        raise ValueError(f"timeout {timeout} is outside 0..65535 seconds")
    body = etree.Element(SEND_REREGISTRATION, nsmap=_NSMAP)
    for site in sites:
        leaf(body, _SITE, site)
    leaf(body, _WAIT, format_bool(wait_for_acks))
    leaf(body, _TIMEOUT, str(timeout))
    return body


def _body(elem: etree._Element, tag: str) -> etree._Element | None:
    # Accept the body itself or an <rpc> around it.
    if elem.tag == tag:
        return elem
    return elem.find(tag)


def parse_send_reregistration_rpc(rpc: etree._Element) -> ReregistrationRequest:
    body = _body(rpc, SEND_REREGISTRATION)
    if body is None:
        raise ValueError("not a send-reregistration RPC")
    wait = body.findtext(_WAIT)
    timeout = body.findtext(_TIMEOUT)
    return ReregistrationRequest(
        sites=tuple(s.text or "" for s in body.iterfind(_SITE)),
        wait_for_acks=True if wait is None else parse_bool(wait),
        timeout=DEFAULT_TIMEOUT if timeout is None else int(timeout),
    )


def render_send_reregistration_reply(result: ReregistrationResult) -> etree._Element:
    reply = etree.Element(T.rpc_reply, nsmap={None: NC, "lmr": LMR})
    leaf(reply, _SENT, str(result.notifications_sent))
    leaf(reply, _ACKED, str(result.acked))
    for site in result.sites:
        site_elem = _SE(reply, _SITE_RESULT)
        leaf(site_elem, _SITE, site.site)
        for etr in site.etrs:
            etr_elem = _SE(site_elem, _ETR_RESULT)
            leaf(etr_elem, _ETR, etr.etr)
            if etr.rloc is not None:
                leaf(etr_elem, _RLOC, str(etr.rloc))
            leaf(etr_elem, _ACKED, format_bool(etr.acked))
            leaf(etr_elem, _RETRIES, str(etr.retries))
            if etr.error is not None:
                leaf(etr_elem, _ERROR, etr.error)
    return reply


def _check_reply(reply: etree._Element) -> None:
    error = reply.find(q(NC, "rpc-error"))
    if error is not None:
        message = error.findtext(q(NC, "error-message")) or error.findtext(q(NC, "error-tag"))
        raise ValueError(f"rpc-error: {message}")


def parse_send_reregistration_reply(reply: etree._Element) -> ReregistrationResult:
    _check_reply(reply)
    sites = []
    for site in reply.iterfind(_SITE_RESULT):
        etrs = []
        for etr in site.iterfind(_ETR_RESULT):
            rloc = etr.findtext(_RLOC)
            etrs.append(
                EtrResult(
                    etr=etr.findtext(_ETR) or "",
                    rloc=None if rloc is None else ipaddress.ip_address(rloc),
                    acked=parse_bool(etr.findtext(_ACKED)),
                    retries=int(etr.findtext(_RETRIES) or 0),
                    error=etr.findtext(_ERROR),
                )
            )
        sites.append(SiteResult(site.findtext(_SITE) or "", tuple(etrs)))
    return ReregistrationResult(
        notifications_sent=int(reply.findtext(_SENT) or 0),
        acked=int(reply.findtext(_ACKED) or 0),
        sites=tuple(sites),
    )


def reregister_now_rpc() -> etree._Element:
    return etree.Element(REREGISTER_NOW, nsmap=_NSMAP)


def is_reregister_now_rpc(rpc: etree._Element) -> bool:
    return _body(rpc, REREGISTER_NOW) is not None


def render_reregister_now_reply(map_registers_sent: int) -> etree._Element:
    reply = etree.Element(T.rpc_reply, nsmap={None: NC, "lmr": LMR})
    leaf(reply, _REGISTERS_SENT, str(map_registers_sent))
    return reply


def parse_reregister_now_reply(reply: etree._Element) -> int:
    _check_reply(reply)
    text = reply.findtext(_REGISTERS_SENT)
    if text is None:
        raise ValueError("reregister-now reply lacks map-registers-sent")
    return int(text)
