# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lispnet-ms-recovery RPCs: send-reregistration (MS) and reregister-now (ETR).

Builders return the RPC body (the element inside <rpc>), which is what
ncclient's ``dispatch`` and netcommon's ``dispatch(rpc_command=...)`` take.
The lab's server side (lab/yang/rpcs.py) reads the requests and renders the
replies with the same tags.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import IPAddress
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    EtrResult,
    ReregistrationResult,
    SiteResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    LMR,
    NC,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import leaf
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.values import (
    format_bool,
    parse_bool,
)

SEND_REREGISTRATION = q(LMR, "send-reregistration")
REREGISTER_NOW = q(LMR, "reregister-now")
SITE = q(LMR, "site")
WAIT = q(LMR, "wait-for-acks")
TIMEOUT = q(LMR, "timeout")
SENT = q(LMR, "notifications-sent")
ACKED = q(LMR, "acked")
SITE_RESULT = q(LMR, "site-result")
ETR_RESULT = q(LMR, "etr-result")
ETR = q(LMR, "etr")
RLOC = q(LMR, "rloc")
RETRIES = q(LMR, "retries")
ERROR = q(LMR, "error")
REGISTERS_SENT = q(LMR, "map-registers-sent")
MAP_SERVER = q(LMR, "map-server")
NSMAP = {None: LMR}


def send_reregistration_rpc(
    sites: Sequence[str], wait_for_acks: bool, timeout: int
) -> etree._Element:
    if not 0 <= timeout <= 0xFFFF:
        raise ValueError(f"timeout {timeout} is outside 0..65535 seconds")
    body = etree.Element(SEND_REREGISTRATION, nsmap=NSMAP)
    for site in sites:
        leaf(body, SITE, site)
    leaf(body, WAIT, format_bool(wait_for_acks))
    leaf(body, TIMEOUT, str(timeout))
    return body


def _check_reply(reply: etree._Element) -> None:
    error = reply.find(q(NC, "rpc-error"))
    if error is not None:
        message = error.findtext(q(NC, "error-message")) or error.findtext(q(NC, "error-tag"))
        raise ValueError(f"rpc-error: {message}")


def parse_send_reregistration_reply(reply: etree._Element) -> ReregistrationResult:
    _check_reply(reply)
    sites = []
    for site in reply.iterfind(SITE_RESULT):
        etrs = []
        for etr in site.iterfind(ETR_RESULT):
            rloc = etr.findtext(RLOC)
            etrs.append(
                EtrResult(
                    etr=etr.findtext(ETR) or "",
                    rloc=None if rloc is None else ipaddress.ip_address(rloc),
                    acked=parse_bool(etr.findtext(ACKED)),
                    retries=int(etr.findtext(RETRIES) or 0),
                    error=etr.findtext(ERROR),
                )
            )
        sites.append(SiteResult(site.findtext(SITE) or "", tuple(etrs)))
    return ReregistrationResult(
        notifications_sent=int(reply.findtext(SENT) or 0),
        acked=int(reply.findtext(ACKED) or 0),
        sites=tuple(sites),
    )


def reregister_now_rpc(map_server: IPAddress | None = None) -> etree._Element:
    """To ``map_server`` only, or (None) to every Map-Server of the ETR."""
    body = etree.Element(REREGISTER_NOW, nsmap=NSMAP)
    if map_server is not None:
        leaf(body, MAP_SERVER, str(map_server))
    return body


def parse_reregister_now_reply(reply: etree._Element) -> int:
    _check_reply(reply)
    text = reply.findtext(REGISTERS_SENT)
    if text is None:
        raise ValueError("reregister-now reply lacks map-registers-sent")
    return int(text)
