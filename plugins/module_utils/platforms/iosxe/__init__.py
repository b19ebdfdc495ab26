# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE, through Cisco's published YANG models.

Everything this platform knows of those models is in this folder: the facts
(models), filters, parsers (parse), capabilities (features) and the adapter
the modules call. The lab's emulation is lab/iosxe/.
"""

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.adapter import (
    IosxePlatform,
)

PLATFORM = IosxePlatform

__all__ = ["PLATFORM", "IosxePlatform"]
