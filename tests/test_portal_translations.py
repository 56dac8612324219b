"""The portal's catalogues: complete, same placeholders, compiled as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parents[1] / "bridge" / "portal" / "translations"
LOCALES = sorted(
    path.name for path in TRANSLATIONS.iterdir() if (path / "LC_MESSAGES").is_dir()
)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def key(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def test_there_is_a_translation_beside_english():
    assert "de" in LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale):
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)

    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, f"{locale}: missing {message.id!r}"
        assert all(strings(translated.string)), f"{locale}: empty {message.id!r}"
        assert "fuzzy" not in translated.flags, f"{locale}: fuzzy {message.id!r}"
        wanted = {p for s in strings(message.id) for p in PLACEHOLDER.findall(s)}
        for text in strings(translated.string):
            found = set(PLACEHOLDER.findall(text))
            # A singular may leave out the count it spells as a word.
            assert found <= wanted, (locale, message.id, text)
            assert wanted - found <= {"num"}, (locale, message.id, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_matches_the_source(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = {key(m.id): key(m.string) for m in read_po(handle) if m.id}
    with (folder / "messages.mo").open("rb") as handle:
        compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d bridge/portal/translations"
