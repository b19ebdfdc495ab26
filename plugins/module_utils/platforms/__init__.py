# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Router platforms: which YANG models a device speaks (see base.py).

A new vendor is one module implementing :class:`Platform` plus one entry in
``_FACTORIES``; the modules offer every name in ``PLATFORMS`` as a choice.
"""

from __future__ import annotations

from collections.abc import Callable

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.base import (
    Platform,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf import (
    IetfPlatform,
)

_FACTORIES: dict[str, Callable[[], Platform]] = {
    "ietf": IetfPlatform,
}
PLATFORMS: tuple[str, ...] = tuple(_FACTORIES)
DEFAULT_PLATFORM = "ietf"


def get_platform(name: str = DEFAULT_PLATFORM) -> Platform:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}") from None
    return factory()


__all__ = ["DEFAULT_PLATFORM", "PLATFORMS", "Platform", "get_platform"]
