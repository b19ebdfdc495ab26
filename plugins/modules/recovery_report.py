#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module recovery_report: the closing report of a recovery run (logic in module_utils/report/)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: recovery_report
short_description: Write the report of a LISP Map-Server recovery run (JSON, JUnit, HTML)
version_added: 0.1.0
author: lispnet ms_recovery developers (@lispnet)
description:
  - Builds the report of one recovery run from the results of the collection's other
    modules and writes it as C(report.json), C(report.junit.xml) (one test suite
    C(ms_recovery), a test case per site plus the registration and Map-Request checks) and
    C(report.html) (summary, per-site results and the recovery curve as inline SVG).
  - Returns a short fixed-width summary table for the play's output and CI logs.
  - Compares the tool with a passive baseline, an estimate of recovery without it. With the
    ETRs' register timers spread uniformly over O(register_interval), a share
    min(1, t / interval) of the sites is back by time t.
  - Needs no device connection; run it on the controller (C(delegate_to) localhost with
    C(run_once)).
  - Files are written atomically and only when their content changes, so the same results
    give C(changed=false).
options:
  dest:
    description:
      - Directory to write the report files into; created when missing.
    type: path
    required: true
  results:
    description:
      - The registered results of the run's modules, under the keys C(ms_state),
        C(reregister), C(registrations) and C(map_request) (their return values, as
        documented by each module). Every key is optional.
      - A skipped task's result counts as absent (for example C(reregister) on a healthy
        Map-Server); a failed task's result makes the report fail with its message.
      - Only the documented fields are read; other keys are ignored and never written out.
    type: dict
    default: {}
  register_interval:
    description:
      - The ETRs' periodic Map-Register interval in seconds, for the passive baseline.
    type: float
    default: 60
  title:
    description:
      - Title of the report (HTML title, JUnit C(testsuites) name, summary head line).
    type: str
    default: LISP Map-Server recovery
  formats:
    description:
      - Which files to write. C(html) needs jinja2 on the host that runs the module.
    type: list
    elements: str
    choices: [json, junit, html]
    default: [json, junit, html]
  generated_at:
    description:
      - When the report was generated, printed in every format (ISO 8601).
      - Defaults to the current time (UTC, on the host writing the report). Measured times
        like this one do not make the task changed (see RV(changed)).
    type: str
attributes:
  check_mode:
    description: Renders every format and reports whether a file would change; writes nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
notes:
  - The report is a record, not a gate; to fail a play on an incomplete recovery, test
    RV(ok) in an M(ansible.builtin.assert) task after this one.
  - Map-Server time to full recovery comes from C(reregister.elapsed); it is null when the
    table was not complete.
"""

EXAMPLES = r"""
- name: Report the recovery
  lispnet.ms_recovery.recovery_report:
    dest: "{{ playbook_dir }}/out/recovery"
    register_interval: 60
    results:
      ms_state: "{{ ms }}"
      reregister: "{{ rereg }}"
      registrations: "{{ regs }}"
      map_request: "{{ probes }}"
  delegate_to: localhost
  run_once: true
  register: report

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ report.summary }}"
  run_once: true

- name: JUnit only, for CI
  lispnet.ms_recovery.recovery_report:
    dest: "{{ lookup('env', 'CI_ARTIFACTS') }}"
    formats: [junit]
    results:
      reregister: "{{ rereg }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
summary:
  description: The summary table, one line per element (fixed width, plain text).
  returned: success
  type: list
  elements: str
  sample:
    - "== LISP Map-Server recovery =="
    - "Sites recovered   5 / 5"
    - "Full recovery     0.80 s"
    - "Without the tool  about 0 of 5 sites would have been back by then (estimate from
      the 60 s register interval)"
files:
  description: Path of each written (in check mode, to be written) file, by format.
  returned: success
  type: dict
  sample:
    json: /tmp/out/report.json
    junit: /tmp/out/report.junit.xml
    html: /tmp/out/report.html
recovered_sites:
  description: Sites recovered.
  returned: success
  type: int
  sample: 5
total_sites:
  description: Sites the run targeted (from C(reregister); without it, the sites seen in
    C(map_request)).
  returned: success
  type: int
  sample: 5
failed_sites:
  description: Names of the sites not recovered.
  returned: success
  type: list
  elements: str
  sample: []
time_to_full_recovery:
  description: Seconds from the first notification to a complete registration table; null
    when not reached or not measured.
  returned: success
  type: float
  sample: 0.8
baseline_sites:
  description: Estimated sites the ETRs' own timers would have brought back within
    RV(time_to_full_recovery); null when that is null.
  returned: success
  type: int
  sample: 0
ok:
  description: True when every result given says the Map-Server is back in full.
  returned: success
  type: bool
changed:
  description:
    - True when a file's content changed (in check mode, when it would), not counting
      measured times (generation time, latencies, elapsed and progress times) when
      C(json) is among O(formats) - the files are still rewritten with this run's times.
    - So a healthy rerun reports no change; a first sighting of the Map-Server and
      "nothing happened" are the same report.
  returned: always
  type: bool
"""

from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    DEFAULT_REGISTER_INTERVAL,
    DEFAULT_TITLE,
    ReportInputError,
    build_report,
    summary_lines,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.files import (
    FORMATS,
    write_report,
)

# Imported only to tell a missing jinja2 apart from other failures.
try:
    import jinja2  # noqa: F401  # pylint: disable=unused-import

    HAS_JINJA2 = True
except ImportError:
    HAS_JINJA2 = False


def generated_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "dest": {"type": "path", "required": True},
            "results": {"type": "dict", "default": {}},
            "register_interval": {"type": "float", "default": DEFAULT_REGISTER_INTERVAL},
            "title": {"type": "str", "default": DEFAULT_TITLE},
            "formats": {
                "type": "list",
                "elements": "str",
                "choices": list(FORMATS),
                "default": list(FORMATS),
            },
            "generated_at": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    if "html" in params["formats"] and not HAS_JINJA2:
        module.fail_json(msg=missing_required_lib("jinja2 (for formats: html)"))
    try:
        report = build_report(
            params["results"],
            register_interval=params["register_interval"],
            title=params["title"],
            generated_at=params["generated_at"] or generated_now(),
        )
        written = write_report(report, params["dest"], params["formats"], module.check_mode)
    except ReportInputError as exc:
        module.fail_json(msg=f"invalid report input: {exc}")
    except OSError as exc:
        module.fail_json(msg=f"cannot write the report to {params['dest']}: {exc}")
    module.exit_json(
        changed=written.changed,
        summary=summary_lines(report),
        files=written.files,
        recovered_sites=report.recovered_sites,
        total_sites=report.total_sites,
        failed_sites=[site.name for site in report.failed],
        time_to_full_recovery=report.time_to_full_recovery,
        baseline_sites=report.baseline_sites_back,
        ok=report.checks_ok,
    )


if __name__ == "__main__":
    main()
