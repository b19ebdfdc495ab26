# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The third-party libraries the modules need, and the failure a module reports
when one is missing.

The files under module_utils import PyYAML and lxml inside ``try``/``except
ImportError``, as Ansible expects of code loaded where a library may be absent:
importing them never fails, and a module calls :func:`require_libraries` first
thing, so that the task says which package to install (``missing_required_lib``)
instead of failing with a traceback half-way.
"""

from __future__ import annotations

import importlib
import traceback
from typing import Any

from ansible.module_utils.basic import missing_required_lib

# Package name (as pip knows it) -> the traceback of its failed import.
IMPORT_ERRORS: dict[str, str] = {}

for _package, _module in (("PyYAML", "yaml"), ("lxml", "lxml.etree")):
    try:
        importlib.import_module(_module)
    except ImportError:
        IMPORT_ERRORS[_package] = traceback.format_exc()

HAS_YAML = "PyYAML" not in IMPORT_ERRORS
HAS_LXML = "lxml" not in IMPORT_ERRORS


def require_libraries(module: Any) -> None:
    """``module.fail_json`` naming the first missing library, if one is."""
    for name, error in IMPORT_ERRORS.items():
        module.fail_json(msg=missing_required_lib(name), exception=error)
