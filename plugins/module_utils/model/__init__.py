# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor-neutral values every platform adapter returns and the modules,
the EDA source and the lab share: one type per concept (ms.py), the times'
text form (times.py), notification events (events.py) and re-registration
results (reregistration.py)."""
