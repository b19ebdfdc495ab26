# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a unit's state says it rebooted: the one rule ``ms_state``
(state/records.py) and the EDA source (extensions/eda/watch/detector.py) apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# Boot times closer than this are the same boot: a platform may report the
# boot time with less precision in one place than in another (a notification
# and the polled leaf, or two reads rounding differently).
BOOT_TOLERANCE = timedelta(seconds=1)


def rebooted(
    previous_boot: datetime,
    boot: datetime,
    previous_count: int | None = None,
    count: int | None = None,
) -> bool:
    """A later boot than ``previous_boot`` (beyond BOOT_TOLERANCE), or a
    higher reboot count where the platform has one (a reboot within the
    tolerance still counts then)."""
    if boot - previous_boot > BOOT_TOLERANCE:
        return True
    return previous_count is not None and count is not None and count > previous_count
