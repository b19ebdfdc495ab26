# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recovery report: model built from the modules' results, and its renderers.

Format and fields: docs/report.md.
"""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.fields import (
    ReportInputError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.html import to_html
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.json_report import (
    report_to_dict,
    to_json,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.junit import to_junit
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    DEFAULT_REGISTER_INTERVAL,
    DEFAULT_TITLE,
    PassiveBaseline,
    RecoveryReport,
    SiteOutcome,
    build_report,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.summary import (
    summary_facts,
    summary_lines,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.svg import (
    recovery_curve_svg,
)

__all__ = [
    "DEFAULT_REGISTER_INTERVAL",
    "DEFAULT_TITLE",
    "PassiveBaseline",
    "RecoveryReport",
    "ReportInputError",
    "SiteOutcome",
    "build_report",
    "recovery_curve_svg",
    "report_to_dict",
    "summary_facts",
    "summary_lines",
    "to_html",
    "to_json",
    "to_junit",
]
