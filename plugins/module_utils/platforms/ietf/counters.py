# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lmr:counters, shared by the Map-Server and the ETR containers."""

from __future__ import annotations

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    T,
)


def parse_counters(parent: etree._Element) -> dict[str, int]:
    elem = parent.find(T.counters)
    if elem is None:
        return {}
    return {etree.QName(c).localname: int(c.text or 0) for c in elem}
