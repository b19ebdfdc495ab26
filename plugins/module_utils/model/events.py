# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Map-Server event as a platform's notification parser returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MsEvent:
    """One notification. ``kind`` is one of ``ms-boot``, ``ha-switchover``,
    ``registration-deficit``, ``registration-change``; ``time`` the event's
    time; ``details`` the body's other leaves as text, keyed by leaf name."""

    kind: str
    unit: str | None
    time: datetime
    details: dict[str, str] = field(default_factory=dict)
