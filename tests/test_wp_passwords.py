import hashlib

import argon2
import bcrypt
import pytest

from bridge.wp import passwords
from bridge.wp.passwords import (
    PasswordError,
    check_password,
    fast_hash,
    hash_password,
    needs_rehash,
    phpass_crypt,
    prehash,
    verify_fast_hash,
)


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the legacy format


WP_68_SECRET = "$wp$2y$10$aY8SN99k/zMRqvp2bZaBV.bhWweSj1dvFFOaJOH4ve4PRnXtfT4Mm"


def test_phpass_vector():
    assert (
        phpass_crypt("secret", "$P$Babcdefgh") == "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt."
    )
    assert check_password("secret", "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.")
    assert not check_password("Secret", "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.")


def test_phpbb_prefix_is_the_same_algorithm():
    stored = "$H$" + "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt."[3:]
    assert check_password("secret", stored)


def test_wp68_prehash_vector():
    assert (
        prehash("secret")
        == "qbkKVZK1/fCOPlGm5IxC1KnGqNkFSywLf79RNfTtmzevzNwKU1eXGFovQ4UXkLyH"
    )


def test_wp68_hash_vector():
    assert check_password("secret", WP_68_SECRET)
    assert not check_password("secret ", WP_68_SECRET)


def test_fast_hash_vector():
    assert fast_hash("abc") == "$generic$YeaPr_itxnUOyFBBm16EGFnt_nzqpbL728cakJ4U"
    assert verify_fast_hash("abc", fast_hash("abc"))
    assert not verify_fast_hash("abd", fast_hash("abc"))


def test_fast_hash_verification_falls_back_to_phpass():
    assert verify_fast_hash("secret", "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.")
    assert not verify_fast_hash("secreT", "$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.")


def test_plain_md5():
    stored = md5("old password")
    assert check_password("old password", stored)
    assert not check_password("old passwore", stored)
    assert not check_password("old password", stored.upper())


@pytest.mark.parametrize("prefix", ["$2y$", "$2b$", "$2a$"])
def test_vanilla_bcrypt(prefix):
    hashed = bcrypt.hashpw(b"hunter2", bcrypt.gensalt(4)).decode()
    stored = prefix + hashed[4:]
    assert check_password("hunter2", stored)
    assert not check_password("hunter3", stored)


def test_bcrypt_reads_passwords_as_php_does():
    stored = bcrypt.hashpw(b"x" * 72, bcrypt.gensalt(4)).decode()
    assert check_password("x" * 100, stored)
    stored = bcrypt.hashpw(b"abc", bcrypt.gensalt(4)).decode()
    assert check_password("abc\0def", stored)


@pytest.mark.parametrize("kind", [argon2.Type.I, argon2.Type.ID])
def test_argon2(kind):
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=1024, type=kind).hash("pw")
    assert stored.startswith(("$argon2i$", "$argon2id$"))
    assert check_password("pw", stored)
    assert not check_password("pW", stored)


def test_hash_for_wordpress_61_is_phpass():
    stored = hash_password("correct horse", 53496)
    assert stored.startswith("$P$B")
    assert len(stored) == 34
    assert check_password("correct horse", stored)
    assert hash_password("correct horse", 53496) != stored


def test_hash_for_wordpress_68_is_prefixed_bcrypt():
    stored = hash_password("correct horse", 60421)
    assert stored.startswith("$wp$2y$10$")
    assert len(stored) == 63
    assert check_password("correct horse", stored)
    assert not check_password("correct horsf", stored)


@pytest.mark.parametrize("version", [53496, 60421])
def test_hashing_trims_whitespace_as_wordpress_does(version):
    stored = hash_password("  spaced\t\n", version)
    assert check_password("spaced", stored)


@pytest.mark.parametrize("version", [53496, 60421])
def test_unicode_passwords(version):
    stored = hash_password("pässwörd ✓", version)
    assert check_password("pässwörd ✓", stored)
    assert check_password("pässwörd ✓".encode(), stored)
    assert not check_password("passwort ✓", stored)


def test_passwords_over_4096_bytes_never_verify():
    long = "a" * 4097
    assert not check_password(long, md5(long))
    assert not check_password(long, "$P$B" + "a" * 30)
    with pytest.raises(PasswordError):
        hash_password(long, 53496)
    with pytest.raises(PasswordError):
        hash_password(long, 60421)
    assert check_password("a" * 4096, hash_password("a" * 4096, 53496))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "*",
        "*0",
        "$P$",
        "$P$B",
        "$P$!abcdefghhoF/sggXNwaIB66V9Zcjt.",
        "$P$1abcdefghhoF/sggXNwaIB66V9Zcjt.",  # fewer than 2**7 rounds
        "$P$Babcdéfghh€F/sggXNwaIB66V9Zcjt..",
        "$wp$2y$10$short",
        "$wp$2y$99$aY8SN99k/zMRqvp2bZaBV.bhWweSj1dvFFOaJOH4ve4PRnXtfT4Mm",
        "$2y$10$garbage",
        "$2y$10$" + "é" * 53,
        "$argon2id$v=19$m=1024,t=1,p=1$garbage",
        "$argon2d$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$1$abcdefgh$0123456789012345678901",
        "$6$rounds=5000$salt$" + "x" * 86,
        "x" * 33,
        "\0" * 40,
    ],
)
def test_garbage_hashes_never_verify(stored):
    assert check_password("secret", stored) is False
    assert check_password("", stored) is False


def test_non_string_hash_is_false():
    assert check_password("secret", None) is False  # type: ignore[arg-type]


def test_needs_rehash():
    old = md5("x")
    assert needs_rehash(old, 53496)
    assert not needs_rehash("$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.", 53496)
    assert needs_rehash("$P$BabcdefghhoF/sggXNwaIB66V9Zcjt.", 60421)
    assert needs_rehash(old, 60421)
    assert not needs_rehash(WP_68_SECRET, 60421)
    assert needs_rehash(WP_68_SECRET.replace("$10$", "$12$"), 60421)
    assert needs_rehash("$2y$10$" + "a" * 53, 60421)


def test_phpass_hash_uses_8192_rounds():
    stored = passwords.phpass_hash("pw", salt=b"\0" * 6)
    assert stored[:12] == "$P$B........"
    assert phpass_crypt("pw", stored) == stored
