"""PHP's serialize() format, read and written byte-exactly.

WordPress stores arrays in options and meta with PHP's serialize(). Reading uses the
phpserialize library; writing is done here because the bytes must match what PHP
itself writes (numeric string keys become integers, floats use PHP's shortest form),
so that a value read and written back is unchanged.
"""

from __future__ import annotations

import io
import math
import re
from decimal import Decimal
from typing import Any

import phpserialize


class SerializationError(ValueError):
    """A PHP-serialized value that is malformed, or holds something we refuse."""


# PHP turns array keys that are canonical decimal integers into integers.
_INTEGER_KEY = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_PHP_INT_MAX = 2**63 - 1
_MAX_DEPTH = 64


def _refuse_object(name: bytes, _members: dict) -> None:
    raise SerializationError(
        f"serialized PHP object {name!r} refused: objects are never instantiated"
    )


def loads(text: str | bytes) -> Any:
    """Unserialize one PHP value; arrays become dicts keeping order and key types."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    if re.search(rb"(?:^|[;{}])[OCrR]:", data):
        raise SerializationError(
            "serialized PHP objects and references are refused: never instantiated"
        )

    stream = io.BytesIO(data)
    try:
        value = phpserialize.load(
            stream,
            decode_strings=True,
            errors="surrogateescape",
            object_hook=_refuse_object,
        )
    except SerializationError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, RecursionError) as exc:
        raise SerializationError(f"malformed PHP-serialized value: {exc}") from None

    if stream.read(1):
        raise SerializationError("malformed PHP-serialized value: trailing data")
    _check_depth(value, 0)
    return value


def _check_depth(value: Any, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise SerializationError("PHP-serialized value is nested too deeply")
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)


def dumps(value: Any) -> str:
    """Serialize a Python value exactly as PHP's serialize() would write it."""
    out: list[str] = []
    _dump(value, out, 0)
    return "".join(out)


def _dump(value: Any, out: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise SerializationError("value is nested too deeply to serialize")
    if value is None:
        out.append("N;")
    elif value is True or value is False:
        out.append(f"b:{int(value)};")
    elif isinstance(value, int):
        if abs(value) > _PHP_INT_MAX:
            raise SerializationError(f"integer {value} does not fit PHP's int")
        out.append(f"i:{value};")
    elif isinstance(value, float):
        out.append(f"d:{php_float(value)};")
    elif isinstance(value, Decimal):
        _dump_string(str(value), out)
    elif isinstance(value, str):
        _dump_string(value, out)
    elif isinstance(value, bytes):
        out.append(f's:{len(value)}:"')
        out.append(value.decode("utf-8", "surrogateescape"))
        out.append('";')
    elif isinstance(value, dict):
        out.append(f"a:{len(value)}:{{")
        for key, item in value.items():
            _dump_key(key, out)
            _dump(item, out, depth + 1)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append(f"a:{len(value)}:{{")
        for index, item in enumerate(value):
            out.append(f"i:{index};")
            _dump(item, out, depth + 1)
        out.append("}")
    else:
        raise SerializationError(f"cannot serialize a {type(value).__name__}")


def _dump_string(value: str, out: list[str]) -> None:
    size = len(value.encode("utf-8", "surrogateescape"))
    out.append(f's:{size}:"{value}";')


def _dump_key(key: Any, out: list[str]) -> None:
    if key is True or key is False:
        out.append(f"i:{int(key)};")
    elif isinstance(key, int):
        out.append(f"i:{key};")
    elif isinstance(key, str):
        if _INTEGER_KEY.match(key) and abs(int(key)) <= _PHP_INT_MAX:
            out.append(f"i:{int(key)};")
        else:
            _dump_string(key, out)
    else:
        raise SerializationError(f"an array key cannot be a {type(key).__name__}")


def php_float(value: float) -> str:
    """Format a float as PHP 7.1+ does with serialize_precision = -1."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"

    # repr() gives the shortest digits that round-trip, as PHP's mode 0 does.
    sign = "-" if value < 0 else ""
    shortest = Decimal(repr(abs(value))).as_tuple()
    numerals = "".join(map(str, shortest.digits)).rstrip("0") or "0"
    # Where the decimal point falls, reading the value as 0.d1d2d3... x 10**point.
    point = len(shortest.digits) + shortest.exponent

    if point < -3 or point > 17:
        head, tail = numerals[0], numerals[1:] or "0"
        power = point - 1
        return f"{sign}{head}.{tail}E{'+' if power >= 0 else '-'}{abs(power)}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{numerals}"
    if point >= len(numerals):
        return f"{sign}{numerals}{'0' * (point - len(numerals))}"
    return f"{sign}{numerals[:point]}.{numerals[point:]}"


def is_serialized(value: Any) -> bool:
    """Tell whether a stored string looks serialized, with WordPress's strict rules."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text == "N;":
        return True
    if len(text) < 4 or text[1] != ":":
        return False
    last, kind = text[-1], text[0]
    if kind in "aO" or kind == "C":
        return last == "}" and re.match(r"[aOC]:[0-9]+:", text) is not None
    if kind == "s":
        return last == ";" and re.match(r's:[0-9]+:".*";\Z', text, re.S) is not None
    if kind in "bid":
        return last == ";" and re.match(rf"{kind}:[0-9.E+-]+;\Z", text) is not None
    return False


def maybe_unserialize(value: Any) -> Any:
    """Return a stored meta or option value as WordPress's maybe_unserialize() does."""
    if is_serialized(value):
        return loads(value.strip())
    return value


def maybe_serialize(value: Any) -> str:
    """Prepare a value for storage as WordPress's maybe_serialize() does.

    Arrays are serialized; a string that already looks serialized is serialized
    again, so that reading it back gives the same string; scalars become strings.
    """
    if isinstance(value, (dict, list, tuple)):
        return dumps(value)
    if isinstance(value, str):
        return dumps(value) if is_serialized(value) else value
    if value is None:
        return ""
    if value is True:
        return "1"
    if value is False:
        return ""
    if isinstance(value, float):
        return php_float(value)
    return str(value)


def as_list(value: Any) -> list[Any]:
    """The values of a PHP array that is used as a list, in order; [] for scalars."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return []
