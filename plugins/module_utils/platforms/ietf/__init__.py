# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard IETF LISP servers (ietf-lisp, ietf-lisp-mapserver, ietf-lisp-etr),
with the project's lispnet-ms-recovery augment used when a server announces it.

Everything this platform knows of those models is in this folder: filters,
parsers (ms_parse, vpns_parse, registered, etr_parse), the augment's RPC
builders (rpcs) and notifications, and the adapter the modules call.
"""

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.adapter import (
    IetfPlatform,
)

PLATFORM = IetfPlatform

__all__ = ["PLATFORM", "IetfPlatform"]
