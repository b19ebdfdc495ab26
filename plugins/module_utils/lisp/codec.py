# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LISP control-message API: domain types in, bytes out; bytes in, frozen dataclasses out.

Encoders seal authenticated messages; ``decode`` does not verify them (call
``auth.verify`` on the same bytes with the site key).
"""

from __future__ import annotations

from .decode import decode, first_record_eid, message_type, register_trailer
from .encode import (
    encode_ecm,
    encode_map_notify,
    encode_map_notify_ack,
    encode_map_notify_for_register,
    encode_map_register,
    encode_map_reply,
    encode_map_request,
)
from .model import (
    EcmMessage,
    LispMessage,
    MalformedMessage,
    MapNotifyMessage,
    MapRegisterMessage,
    MapReplyMessage,
    MapRequestMessage,
)

__all__ = [
    "EcmMessage",
    "LispMessage",
    "MalformedMessage",
    "MapNotifyMessage",
    "MapRegisterMessage",
    "MapReplyMessage",
    "MapRequestMessage",
    "decode",
    "encode_ecm",
    "encode_map_notify",
    "encode_map_notify_ack",
    "encode_map_notify_for_register",
    "encode_map_register",
    "encode_map_reply",
    "encode_map_request",
    "first_record_eid",
    "message_type",
    "register_trailer",
]
