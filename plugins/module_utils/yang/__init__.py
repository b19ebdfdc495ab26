# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that knows the NETCONF data paths of the LISP YANG modules.

The virtual routers render their state with it and the modules parse the
replies with it, so the two sides cannot drift apart.
"""
