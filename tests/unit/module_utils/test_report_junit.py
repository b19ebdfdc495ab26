"""JUnit XML: parses, follows the JUnit schema CI servers read, one testcase per site."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    build_report,
    to_junit,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    SITES,
    full_success,
    hostile,
    one_site_failed,
    reregister_ok,
)

# The element structure and attribute types of the JUnit schema that Jenkins, GitLab and
# most report parsers follow (testsuites > testsuite > properties?, testcase*).
JUNIT_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:complexType name="result" mixed="true">
    <xs:attribute name="message" type="xs:string"/>
    <xs:attribute name="type" type="xs:string"/>
  </xs:complexType>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence><xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:attribute name="name" type="xs:string"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testsuite">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="properties" minOccurs="0">
          <xs:complexType><xs:sequence>
            <xs:element name="property" minOccurs="0" maxOccurs="unbounded">
              <xs:complexType>
                <xs:attribute name="name" type="xs:string" use="required"/>
                <xs:attribute name="value" type="xs:string" use="required"/>
              </xs:complexType>
            </xs:element>
          </xs:sequence></xs:complexType>
        </xs:element>
        <xs:element name="testcase" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:choice minOccurs="0">
              <xs:element name="skipped" type="result"/>
              <xs:element name="error" type="result"/>
              <xs:element name="failure" type="result"/>
            </xs:choice>
            <xs:attribute name="name" type="xs:string" use="required"/>
            <xs:attribute name="classname" type="xs:string" use="required"/>
            <xs:attribute name="time" type="xs:decimal"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def _validate(text: str) -> ET.Element:
    schema = etree.XMLSchema(etree.fromstring(JUNIT_XSD))
    schema.assertValid(etree.fromstring(text.encode()))
    root = ET.fromstring(text)
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    # The counters must agree with the cases, or CI dashboards show wrong totals.
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
    assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases)
    assert int(suite.get("errors")) == 0
    for key in ("tests", "failures", "errors", "skipped"):
        assert root.get(key) == suite.get(key)
    return suite


def _case(suite: ET.Element, name: str) -> ET.Element:
    [case] = [c for c in suite.findall("testcase") if c.get("name") == name]
    return case


def test_success_one_passing_case_per_site_and_checks() -> None:
    suite = _validate(to_junit(build_report(full_success())))
    assert suite.get("name") == "ms_recovery"
    assert suite.get("failures") == "0"
    assert float(suite.get("time")) == pytest.approx(0.8)
    site_cases = [c for c in suite.findall("testcase") if c.get("classname") == "ms_recovery.site"]
    assert [c.get("name") for c in site_cases] == list(SITES)
    checks = {c.get("name") for c in suite.findall("testcase")} - set(SITES)
    assert checks == {"registrations_complete", "map_request"}
    assert all(len(c) == 0 for c in suite.findall("testcase"))


def test_failed_site_and_checks_carry_reasons() -> None:
    suite = _validate(to_junit(build_report(one_site_failed())))
    assert suite.get("failures") == "3"
    assert suite.get("time") is None  # no full recovery, no time to report
    failure = _case(suite, "site-00003").find("failure")
    assert failure.get("type") == "not_recovered"
    assert "no Map-Notify-Ack after 3 retries" in failure.get("message")
    assert "retries=3" in failure.text
    reg = _case(suite, "registrations_complete").find("failure")
    assert "missing 4" in reg.get("message")
    assert "missing 10.0.3.1/32" in reg.text
    mr = _case(suite, "map_request").find("failure")
    assert mr.get("message").startswith("1 of 5 Map-Requests failed")
    assert "10.0.3.0/24 site=site-00003 status=negative" in mr.text


def test_unchecked_parts_are_skipped_cases() -> None:
    suite = _validate(to_junit(build_report({"reregister": reregister_ok()})))
    assert suite.get("skipped") == "2"
    assert _case(suite, "registrations_complete").find("skipped") is not None
    assert _case(suite, "map_request").find("skipped") is not None


def test_failed_input_task_is_a_failing_case() -> None:
    results = full_success()
    results["registrations"] = {"failed": True, "msg": "connection refused"}
    suite = _validate(to_junit(build_report(results)))
    failure = _case(suite, "inputs").find("failure")
    assert "connection refused" in failure.get("message")


@pytest.mark.parametrize(
    "name", ['<script>alert("x")</script>', "a&b ]]> 'q'", "ctl\x00\x1b[31m\ud800"]
)
def test_hostile_site_names_stay_valid_xml(name: str) -> None:
    text = to_junit(build_report(hostile(one_site_failed(), name), title=name))
    suite = _validate(text)
    names = [c.get("name") for c in suite.findall("testcase")]
    if name.isprintable():
        assert name in names
    else:
        assert "ctl\ufffd\ufffd[31m\ufffd" in names
    assert "<script>" not in text
