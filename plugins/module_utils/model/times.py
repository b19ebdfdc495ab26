# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The text form of times (yang:date-and-time, RFC 3339), in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(value: datetime) -> str:
    """yang:date-and-time in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def parse_time(text: str) -> datetime:
    """RFC 3339 text (a 'Z' suffix included) as an aware datetime in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)
