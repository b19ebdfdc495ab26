# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The last known state of each Map-Server unit, kept on the controller to
tell a reboot or a switchover from a quiet period (module ms_state)."""
