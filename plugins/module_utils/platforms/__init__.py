# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform registry: the modules' ``platform`` option and
``ansible_network_os`` mapped to a platform folder (see base.py).

Adding a vendor is one folder ``platforms/<name>/`` whose ``__init__`` names
its adapter ``PLATFORM`` (with ``name`` and ``network_os``), and its module
in ``_FOLDERS`` below. The imports stay static: Ansible ships a module with
exactly the module_utils its imports name.
"""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms import ietf, iosxe
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Capabilities,
    MissingCapability,
    Platform,
)

_FOLDERS = (ietf, iosxe)

_BY_NAME: dict[str, type] = {folder.PLATFORM.name: folder.PLATFORM for folder in _FOLDERS}
PLATFORMS: tuple[str, ...] = tuple(_BY_NAME)
DEFAULT_PLATFORM = "ietf"
# ansible_network_os (a netconf plugin's FQCN, or its short name) -> platform
NETWORK_OS: dict[str, str] = {
    os_name: folder.PLATFORM.name for folder in _FOLDERS for os_name in folder.PLATFORM.network_os
}


def get_platform(name: str = DEFAULT_PLATFORM) -> Platform:
    try:
        factory = _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}") from None
    platform: Platform = factory()
    return platform


def platform_for_network_os(network_os: str) -> str:
    """The platform name of an ``ansible_network_os`` value."""
    try:
        return NETWORK_OS[network_os]
    except KeyError:
        known = ", ".join(sorted(NETWORK_OS))
        raise ValueError(
            f"ansible_network_os {network_os!r} names no platform of this collection;"
            f" known: {known} (or set the platform option)"
        ) from None


__all__ = [
    "DEFAULT_PLATFORM",
    "NETWORK_OS",
    "PLATFORMS",
    "Capabilities",
    "MissingCapability",
    "Platform",
    "get_platform",
    "platform_for_network_os",
]
