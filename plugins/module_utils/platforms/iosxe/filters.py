# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subtree filters for IOS-XE's models (the content of <filter type="subtree">).

NetconfSession sends them as ("subtree", content), so the <filter> element is
in the NETCONF base namespace, which IOS-XE 17.x requires. The registration
table is always read through ms-registrations and only the leaves used: an
unfiltered read of lisp-state times out on large boxes.
"""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.iosxe.models import (
    HA,
    HARDWARE,
    LISP,
    NATIVE,
    OPER,
)


def _lisp_state(af_content: str) -> str:
    return (
        f'<lisp-state xmlns="{OPER}"><lisp-routers><top-id/><instances><iid/>'
        f"<af><iaftype/>{af_content}</af></instances></lisp-routers></lisp-state>"
    )


def unit_filters() -> tuple[str, ...]:
    """Name, boot time, HA state and the registered-EID counts: one filter per
    model, since a subtree filter sent through ncclient has one root."""
    return (
        f'<native xmlns="{NATIVE}"><hostname/></native>',
        f'<device-hardware-data xmlns="{HARDWARE}"><device-hardware><device-system-data>'
        "<boot-time/><current-time/><last-reboot-reason/>"
        "</device-system-data></device-hardware></device-hardware-data>",
        f'<ha-oper-data xmlns="{HA}"><ha-infra/></ha-oper-data>',
        _lisp_state("<role><is-ms/></role><ms-registered-eids/>"),
    )


_RLOC = (
    "<ms-registration-rloc><afi/><address/><params><priority/><weight/></params>"
    "</ms-registration-rloc>"
)


def registrations_filter() -> str:
    """Every registration with what a Registration holds."""
    return _lisp_state(
        "<ms-registrations><afi/><prefix/><site-name/><is-registered/><creation-time/>"
        "<last-registration-time/><etr-registrations><source-address/><source-port/>"
        "<last-registration-time/><ttl/><proxy-reply/><wants-map-notify/>"
        f"{_RLOC}</etr-registrations></ms-registrations>"
    )


def registered_filter() -> str:
    """What checking the table needs: EID, site, and per ETR registration its
    registrant (source), RLOC addresses and last registration."""
    return _lisp_state(
        "<ms-registrations><afi/><prefix/><site-name/><is-registered/>"
        "<etr-registrations><source-address/><source-port/><last-registration-time/>"
        "<ms-registration-rloc><afi/><address/></ms-registration-rloc>"
        "</etr-registrations></ms-registrations>"
    )


def sites_filter() -> str:
    """The configured MS sites, without their keys."""
    return (
        f'<native xmlns="{NATIVE}"><router><lisp xmlns="{LISP}"><site><sname/><site-id/>'
        "<eid-record/></site></lisp></router></native>"
    )
