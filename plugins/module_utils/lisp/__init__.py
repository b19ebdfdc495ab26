# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LISP control plane on the wire.

- ``types``: shared value types (Eid, Rloc, Mapping).
- ``codec``: encode/decode control messages (no scapy import, for speed).
- ``auth``: HMAC sealing and verification; ``nonce``: nonce sources.

The scapy layers for the same messages, which the tests hold the codec to, are in
tests/support/lisp_layers/ (scapy is a test requirement).
"""
