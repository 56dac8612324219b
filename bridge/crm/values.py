"""Reading the loosely typed values that the CRM keeps in post meta."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def meta_int(value: Any, default: int = 0) -> int:
    """An id or count stored as text, number or nothing; `default` when unreadable."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def meta_text(value: Any) -> str:
    """A stored text value, trimmed; arrays, booleans and nothing read as ''."""
    if value is None or isinstance(value, bool | Mapping | list):
        return ""
    return str(value).strip()


def postal_lines(
    address: str, city: str, region: str, zip_code: str, country: str
) -> list[str]:
    """A postal address as it is printed: street, then the city line, then country."""
    city_line = " ".join(part for part in (city, region, zip_code) if part).strip()
    return [line for line in (address, city_line, country) if line]
