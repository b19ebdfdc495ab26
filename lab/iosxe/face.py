"""The lab's ``--platform iosxe`` face (lab/faces.py): its routers answer at
IOS-XE's data paths only (render.py), announce Cisco's modules at the
revisions of IOS-XE 26.1.1, and offer no RPC and no writable config, as an
IOS-XE Map-Server offers the collection none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.iosxe.render import (
    data_element,
    render_sites,
    render_table,
    render_unit,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsUnitInfo
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    MODULES,
    module_uri,
)

if TYPE_CHECKING:
    from ansible_collections.lispnet.ms_recovery.lab.backends import EtrBackend, MsBackend

IOSXE_NETWORK_OS = "lispnet.ms_recovery.iosxe"


class IosxeFace:
    name: ClassVar[str] = "iosxe"
    network_os: ClassVar[str] = IOSXE_NETWORK_OS
    augment: ClassVar[bool] = False

    def capabilities(self) -> list[str]:
        return [module_uri(*module) for module in MODULES]

    def ms_get(self, backend: MsBackend, flt: etree._Element | None) -> etree._Element:
        # The framework applies the subtree filter to this whole view.
        data = data_element()
        render_unit(data, backend.unit_info(), datetime.now(UTC))
        sites = backend.configured_sites()
        # A standby unit's table is empty, as the active's after a reboot.
        render_table(data, backend.unit.table.all_records(), sites)
        render_sites(data, sites)
        return data

    def ms_exact(self, backend: MsBackend, flt: etree._Element | None) -> Iterator[bytes] | None:
        return None

    def ms_config(self, backend: MsBackend) -> etree._Element:
        data = data_element()
        render_sites(data, backend.configured_sites())
        return data

    def etr_get(self, backend: EtrBackend) -> etree._Element:
        data = data_element()
        name = backend.etr.config.name
        etr = MsUnitInfo(name, "active", None, backend.started, 0)  # no HA: it serves alone
        render_unit(data, etr, datetime.now(UTC))
        return data
