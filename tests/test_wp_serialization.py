"""PHP serialization, proven against real PHP in both directions, byte for byte."""

from __future__ import annotations

import base64
import json

import pytest

from bridge.wp.serialization import (
    SerializationError,
    dumps,
    is_serialized,
    loads,
    maybe_serialize,
    maybe_unserialize,
)
from tests.php import php

# PHP expressions, each written by PHP's serialize() for the tests below.
PHP_VALUES = {
    "int": "42",
    "negative int": "-7",
    "big int": "PHP_INT_MAX",
    "float": "3.25",
    "float shortest": "0.1 + 0.2",
    "float exponent": "1.5e-7",
    "float large": "1e25",
    "float whole": "2.0",
    "true": "true",
    "false": "false",
    "null": "null",
    "empty string": "''",
    "ascii": "'hello world'",
    "quotes": "'say \"hi\"; a:1:{'",
    "utf8": "'Zoë Ångström — Ελένη, Дмитрий, 東京, 🎉'",
    "newlines": '"line one\\nline two\\r\\n"',
    "list": "[1, 'two', 3.5, true, null]",
    "empty array": "[]",
    "string keys": "['a' => 1, 'b' => 'x', 'ü' => 'ö']",
    "numeric string keys": "['5' => 'five', '05' => 'zero five', '-3' => 'neg']",
    "sparse keys": "[3 => 'a', 10 => 'b', 'k' => 'c']",
    "nested": "['items' => [['title' => 'A', 'qty' => '2', 'price' => 10.5]],"
    " 'extra' => ['tax' => ['val' => '8.5']]]",
    "session_tokens": "[hash('sha256', 'tok') => ['expiration' => 1700172800,"
    " 'ip' => '127.0.0.1', 'ua' => 'Mozilla/5.0 (X11) Gecko/20100101',"
    " 'login' => 1700000000]]",
    "capabilities": "['ndpv_client_role' => true]",
    "user_roles": "['administrator' => ['name' => 'Administrator',"
    " 'capabilities' => ['read' => true, 'level_10' => true]]]",
}


@pytest.fixture(scope="module")
def php_serialized() -> dict[str, bytes]:
    """Every value above as PHP serialized it (base64, to keep the bytes exact)."""
    body = ", ".join(f"{json.dumps(k)} => {v}" for k, v in PHP_VALUES.items())
    code = (
        f"$values = [{body}]; $out = [];"
        "foreach ($values as $k => $v) { $out[$k] = base64_encode(serialize($v)); }"
        "echo json_encode($out);"
    )
    encoded = json.loads(php(code))
    return {name: base64.b64decode(text) for name, text in encoded.items()}


@pytest.mark.parametrize("name", list(PHP_VALUES))
def test_a_value_php_wrote_round_trips_byte_for_byte(name, php_serialized):
    written = php_serialized[name].decode("utf-8")

    assert dumps(loads(written)) == written


def test_values_the_bridge_writes_unserialize_in_php_to_the_same_value():
    values = {
        "scalars": [0, -1, 2**62, 0.5, 1e-9, True, False, None, ""],
        "text": 'Zoë — Ελένη — Дмитрий — 東京 — 🎉 "quoted" ;}',
        "keys": {"5": "numeric string key", "05": "kept as string", "x": {"y": []}},
        "feedback": {"type": "accept", "note": "Ça va ✓", "attachment": [], "time": 1},
    }
    written = dumps(values)

    # PHP re-serializes what it read: identical bytes prove an identical value.
    code = (
        "$in = stream_get_contents(STDIN); $v = unserialize($in);"
        "if ($v === false) { fwrite(STDERR, 'unserialize failed'); exit(1); }"
        "echo serialize($v) === $in ? 'same' : serialize($v);"
    )
    assert php(code, written) == "same"


def test_php_sees_the_types_the_bridge_meant():
    written = dumps({"n": 5, "s": "5", "f": 1.0, "b": False, "z": None, "l": [1]})
    code = (
        "$v = unserialize(stream_get_contents(STDIN));"
        "echo json_encode(array_map('gettype', $v));"
    )
    assert json.loads(php(code, written)) == {
        "n": "integer",
        "s": "string",
        "f": "double",
        "b": "boolean",
        "z": "NULL",
        "l": "array",
    }


def test_string_lengths_count_utf8_bytes():
    assert dumps("é") == 's:2:"é";'
    assert dumps("🎉") == 's:4:"🎉";'
    assert loads('s:2:"é";') == "é"


def test_integer_like_string_keys_become_integers_as_in_php():
    assert dumps({"7": "a", "-2": "b", "07": "c", "1.5": "d"}) == (
        'a:4:{i:7;s:1:"a";i:-2;s:1:"b";s:2:"07";s:1:"c";s:3:"1.5";s:1:"d";}'
    )


@pytest.mark.parametrize(
    "text",
    [
        'O:8:"stdClass":1:{s:1:"a";i:1;}',
        'a:1:{i:0;O:8:"stdClass":0:{}}',
        'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}',
        'a:2:{i:0;s:1:"a";i:1;R:2;}',
        "a:2:{i:0;a:0:{}i:1;r:2;}",
    ],
)
def test_objects_and_references_are_refused_never_instantiated(text):
    with pytest.raises(SerializationError, match="refused"):
        loads(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x",
        "i:;",
        "i:12",
        's:5:"abc";',
        's:2:"abc";',
        's:-1:"";',
        "a:2:{i:0;i:1;}",
        "a:1:{i:0;i:1;",
        "b:1",
        "d:abc;",
        'i:1;s:1:"a";',
        "a:1:{" * 200 + "i:0;i:1;" + "}" * 200,
        "a:99999999:{}",
        "\x00\x01",
    ],
)
def test_malformed_values_raise_a_clear_error(text):
    with pytest.raises(SerializationError):
        loads(text)


def test_a_broken_value_in_storage_is_an_error_not_a_crash():
    with pytest.raises(SerializationError, match="malformed"):
        maybe_unserialize('a:1:{s:3:"key";s:10:"too short";}')


def test_is_serialized_follows_wordpress():
    assert is_serialized("a:0:{}")
    assert is_serialized('s:3:"abc";')
    assert is_serialized("b:0;")
    assert is_serialized("N;")
    assert is_serialized("i:5;")
    assert not is_serialized("hello")
    assert not is_serialized("a:0:{")
    assert not is_serialized("5")


def test_maybe_serialize_stores_strings_that_look_serialized_serialized_again():
    looks_serialized = 'a:1:{i:0;s:1:"x";}'

    stored = maybe_serialize(looks_serialized)

    assert stored == f's:{len(looks_serialized)}:"{looks_serialized}";'
    assert maybe_unserialize(stored) == looks_serialized
    assert maybe_serialize("plain") == "plain"
    assert maybe_serialize(True) == "1"
    assert maybe_serialize(False) == ""
    assert maybe_serialize([1]) == "a:1:{i:0;i:1;}"


def test_maybe_serialize_agrees_with_wordpress_for_strings():
    samples = ["plain", 'a:1:{i:0;s:1:"x";}', "N;", "b:1;", "12", "", 's:1:"x";']
    code = (
        "define('ABSPATH', '/usr/share/wordpress/'); define('WPINC', 'wp-includes');"
        "require ABSPATH . 'wp-includes/functions.php';"
        "$in = json_decode(stream_get_contents(STDIN));"
        "echo json_encode(array_map('maybe_serialize', $in));"
    )
    expected = json.loads(php(code, json.dumps(samples)))

    assert [maybe_serialize(s) for s in samples] == expected
