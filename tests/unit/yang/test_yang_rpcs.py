"""RPCs and notifications: build, validate, parse."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.yang.notifications import (
    render_notification,
)
from ansible_collections.lispnet.ms_recovery.lab.yang.rpcs import (
    is_reregister_now_rpc,
    parse_send_reregistration_rpc,
    render_reregister_now_reply,
    render_send_reregistration_reply,
    reregister_now_map_server,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.reregistration import (
    EtrResult,
    ReregistrationRequest,
    ReregistrationResult,
    SiteResult,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.events import (
    parse_notification,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.platforms.ietf.rpcs import (
    parse_reregister_now_reply,
    parse_send_reregistration_reply,
    reregister_now_rpc,
    send_reregistration_rpc,
)
from tests.support.yang_validate import (
    YangValidationError,
    validate_notification,
    validate_rpc_input,
    validate_rpc_output,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RESULT = ReregistrationResult(
    notifications_sent=3,
    acked=2,
    sites=(
        SiteResult(
            "site-a",
            (
                EtrResult("etr-a1", ipaddress.ip_address("192.0.2.1"), True, 0),
                EtrResult("etr-a2", ipaddress.ip_address("2001:db8::2"), False, 5, "timeout"),
            ),
        ),
        SiteResult("site-b", (EtrResult("etr-b1", ipaddress.ip_address("198.51.100.9"), True),)),
    ),
)


def _wire(elem: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(elem))


def test_send_reregistration_request_round_trip() -> None:
    rpc = send_reregistration_rpc(["site-a", "site-b"], wait_for_acks=False, timeout=30)
    validate_rpc_input(rpc)
    assert parse_send_reregistration_rpc(_wire(rpc)) == ReregistrationRequest(
        ("site-a", "site-b"), False, 30
    )


def test_send_reregistration_all_sites() -> None:
    request = parse_send_reregistration_rpc(send_reregistration_rpc([], True, 10))
    assert request.sites == ()


def test_send_reregistration_refuses_bad_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        send_reregistration_rpc([], True, 70000)


def test_send_reregistration_reply_round_trip() -> None:
    reply = render_send_reregistration_reply(RESULT)
    validate_rpc_output("lispnet-ms-recovery:send-reregistration", reply)
    assert parse_send_reregistration_reply(_wire(reply)) == RESULT


def test_bad_rpc_output_fails_validation() -> None:
    reply = render_send_reregistration_reply(RESULT)
    reply.find(".//{*}acked").text = "maybe"
    with pytest.raises(YangValidationError):
        validate_rpc_output("lispnet-ms-recovery:send-reregistration", reply)


def test_rpc_error_is_raised() -> None:
    reply = etree.fromstring(
        '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error>'
        "<error-tag>operation-failed</error-tag><error-message>no stored sites</error-message>"
        "</rpc-error></rpc-reply>"
    )
    with pytest.raises(ValueError, match="no stored sites"):
        parse_send_reregistration_reply(reply)


def test_reregister_now_round_trip() -> None:
    rpc = reregister_now_rpc()
    validate_rpc_input(rpc)
    # To one Map-Server of the ETR only (a site registering to several).
    towards = reregister_now_rpc(ipaddress.ip_address("2001:db8::4"))
    validate_rpc_input(towards)
    assert reregister_now_map_server(_wire(towards)) == "2001:db8::4"
    assert reregister_now_map_server(_wire(rpc)) is None
    validate_rpc_output("lispnet-ms-recovery:reregister-now", render_reregister_now_reply(4))
    assert is_reregister_now_rpc(_wire(rpc))
    assert parse_reregister_now_reply(_wire(render_reregister_now_reply(4))) == 4


@pytest.mark.parametrize(
    "event",
    [
        MsEvent(
            "ms-boot",
            "ms-1",
            NOW,
            {"boot-time": "2025-03-01T11:59:00+00:00", "reason": "switchover"},
        ),
        MsEvent("ha-switchover", "ms-2", NOW, {"new-active": "ms-2", "previous-active": "ms-1"}),
        MsEvent("registration-deficit", "ms-2", NOW, {"expected": "10", "registered": "7"}),
        MsEvent(
            "registration-change",
            None,
            NOW,
            {"eid-id": "[7]2001:db8:a::/48", "site": "site-a", "change": "expired"},
        ),
    ],
)
def test_notification_round_trip_and_valid(event: MsEvent) -> None:
    envelope = render_notification(event)
    validate_notification(envelope)
    assert parse_notification(_wire(envelope)) == event


def test_bad_notification_value_fails_validation() -> None:
    envelope = render_notification(MsEvent("ms-boot", "ms-1", NOW, {"reason": "power-cut"}))
    with pytest.raises(YangValidationError):
        validate_notification(envelope)


def test_foreign_notification_is_ignored() -> None:
    other = etree.fromstring(
        '<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">'
        "<eventTime>2025-03-01T12:00:00Z</eventTime>"
        '<netconf-session-start xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"/>'
        "</notification>"
    )
    assert parse_notification(other) is None
