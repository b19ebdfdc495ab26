# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The YANG module capabilities the virtual routers announce in their hello."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.yang.namespaces import MODULES


def capabilities() -> list[str]:
    """RFC 6020 section 5.6.4 URIs. They contain '&': a server writing its
    hello as text must escape it as '&amp;' (lxml does when it serialises)."""
    return [f"{ns}?module={name}&revision={rev}" for name, ns, rev in MODULES]
