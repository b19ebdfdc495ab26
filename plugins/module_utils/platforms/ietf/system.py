# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A standard server's unit from RFC 7317 ietf-system: hostname and boot-datetime.

Without the lispnet-ms-recovery augment there is no HA role, reboot count or
service address: a unit that serves an ietf-lisp-mapserver instance is the
active one (a standby runs none), and a later boot-datetime is its reboot.
"""

from __future__ import annotations

try:
    from lxml import etree
except ImportError:  # a module reports it missing first (module_utils/libraries.py)
    pass

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsUnitInfo
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import parse_time
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.namespaces import (
    SYS,
    T,
    q,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.tree import (
    find_role,
)

_HOSTNAME = q(SYS, "hostname")
_BOOT = q(SYS, "boot-datetime")


def _top(data: etree._Element, name: str) -> etree._Element | None:
    # <data>, or an <rpc-reply> around it (see tree.find_role).
    found = data.find(q(SYS, name))
    if found is None:
        found = data.find(f"{T.data}/{q(SYS, name)}")
    return found


def parse_system_unit(
    clock: etree._Element, system: etree._Element, map_server: etree._Element
) -> MsUnitInfo | None:
    """The unit from the replies of ``system_clock_filter``,
    ``system_hostname_filter`` and ``standard_summary_filter``; None without
    boot-datetime."""
    state = _top(clock, "system-state")
    boot = None if state is None else state.findtext(f"{q(SYS, 'clock')}/{_BOOT}")
    if boot is None:
        return None
    names = _top(system, "system")
    serving = find_role(map_server, T.map_server) is not None
    return MsUnitInfo(
        unit_name=(None if names is None else names.findtext(_HOSTNAME)) or "",
        ha_role="active" if serving else "standby",
        service_address=None,
        boot_time=parse_time(boot),
        reboot_count=0,
    )
