# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LISP control plane on the wire.

- ``types``: shared value types (Eid, Rloc, Mapping).
- ``codec``: encode/decode control messages (no scapy import, for speed).
- ``auth``: HMAC sealing and verification; ``nonce``: nonce sources.
- ``layers``: scapy layers for the same messages; importing it binds them to
  UDP 4342 so that ``IP(captured_bytes)`` dissects LISP.
"""
