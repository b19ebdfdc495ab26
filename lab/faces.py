"""What the lab's routers speak over NETCONF: one face per ``lisplab up
--platform`` mode.

A face renders a backend's state (lab/backends.py: the Map-Server units'
``MsBackend``, the ETRs' ``EtrBackend``) at its platform's data paths,
announces its platform's modules, and says whether the lispnet-ms-recovery
augment is served (writable stored sites, the RPCs, the notifications).
Adding a lab platform is one face here, one entry in ``FACES`` and its
ansible_network_os; the matching client is plugins/module_utils/platforms/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, Protocol

from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.iosxe.face import IosxeFace
from ansible_collections.lispnet.ms_recovery.lab.ms_selection import registration_view, selection
from ansible_collections.lispnet.ms_recovery.lab.yang.capabilities import capabilities
from ansible_collections.lispnet.ms_recovery.lab.yang.etr_render import render_etr
from ansible_collections.lispnet.ms_recovery.lab.yang.ms_render import (
    render_ms,
    render_ms_status,
    serialize_ms_registrations,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.standard import (
    add_system,
    standard_capabilities,
    standard_etr_view,
    standard_ms_view,
    without_augment,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.tree import new_data

if TYPE_CHECKING:
    from ansible_collections.lispnet.ms_recovery.lab.backends import EtrBackend, MsBackend

# The netconf platform plugin of the IETF-model modes: standard NETCONF.
IETF_NETWORK_OS = "lispnet.ms_recovery.ietf"


class Face(Protocol):
    name: ClassVar[str]
    network_os: ClassVar[str]
    augment: ClassVar[bool]

    def capabilities(self) -> list[str]: ...

    def ms_get(self, backend: MsBackend, flt: etree._Element | None) -> etree._Element: ...

    def ms_exact(
        self, backend: MsBackend, flt: etree._Element | None
    ) -> Iterator[bytes] | None: ...

    def ms_config(self, backend: MsBackend) -> etree._Element: ...

    def etr_get(self, backend: EtrBackend) -> etree._Element: ...


class LispnetFace:
    """The IETF LISP modules plus the project's augment, RPCs and notifications."""

    name: ClassVar[str] = "lispnet"
    network_os: ClassVar[str] = IETF_NETWORK_OS
    augment: ClassVar[bool] = True

    def capabilities(self) -> list[str]:
        return capabilities()

    def ms_get(self, backend: MsBackend, flt: etree._Element | None) -> etree._Element:
        """Rendering only what ``flt`` can select (lab/ms_selection.py)."""
        chosen = selection(flt)
        if chosen.status_only:
            return render_ms_status(backend.snapshot(with_table=False), backend.counts())
        snapshot = backend.snapshot(with_stored=chosen.stored_sites)
        return render_ms(snapshot, counts=backend.counts())

    def ms_exact(self, backend: MsBackend, flt: etree._Element | None) -> Iterator[bytes] | None:
        """The serialized <data> ``flt`` selects, in parts, when it is one of the
        registration-table filters (lab/ms_selection.py); None to leave the
        filter to the framework. A 50,000-entry table is ~2 million elements:
        rendering it whole and then filtering it node by node took seconds."""
        brief = registration_view(flt)
        if brief is None:
            return None
        return serialize_ms_registrations(
            backend.configured_sites(),
            backend.unit.table.all_records(),
            brief=brief,
            since=backend.unit.boot_time,
        )

    def ms_config(self, backend: MsBackend) -> etree._Element:
        return render_ms(backend.snapshot(with_state=False))

    def etr_get(self, backend: EtrBackend) -> etree._Element:
        return render_etr(backend.snapshot())


class IetfFace:
    """What a standard server offers: the IETF LISP modules at the draft's
    revisions and ietf-system, no augment (lab/yang/standard.py)."""

    name: ClassVar[str] = "ietf"
    network_os: ClassVar[str] = IETF_NETWORK_OS
    augment: ClassVar[bool] = False

    def capabilities(self) -> list[str]:
        return standard_capabilities()

    def ms_get(self, backend: MsBackend, flt: etree._Element | None) -> etree._Element:
        unit = backend.unit
        if unit.role == "active":
            return standard_ms_view(render_ms(backend.snapshot()), unit.name, unit.boot_time)
        # A standby runs no Map-Server instance: the standard has no HA role,
        # so what it serves (nothing of LISP) is how it shows.
        return add_system(new_data(), unit.name, unit.boot_time)

    def ms_exact(self, backend: MsBackend, flt: etree._Element | None) -> Iterator[bytes] | None:
        return None  # the framework filters ms_get's standard view

    def ms_config(self, backend: MsBackend) -> etree._Element:
        return without_augment(render_ms(backend.snapshot(with_state=False)))

    def etr_get(self, backend: EtrBackend) -> etree._Element:
        return standard_etr_view(
            render_etr(backend.snapshot()), backend.etr.config.name, backend.started
        )


# One per LAB_PLATFORMS name (lab/topology.py); one without a face yet is
# refused when the lab starts.
FACES: dict[str, type[Face]] = {"lispnet": LispnetFace, "ietf": IetfFace, "iosxe": IosxeFace}


def face_of(platform: str) -> Face:
    try:
        return FACES[platform]()
    except KeyError:
        raise ValueError(
            f"lab platform {platform!r} is not served yet; served: {', '.join(FACES)}"
        ) from None
