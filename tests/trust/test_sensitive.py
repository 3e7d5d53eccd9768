"""Sensitive values: encrypted at rest, bound to their row, unreadable without the key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import CryptoError, InputError
from uncounted.store import Store
from uncounted.store.audit import verify
from uncounted.store.crypto import KeyRing
from uncounted.store.sensitive import SensitiveStore, pad, unpad

SECRET = "Свидетель Прохорова Евдокия, тел. +7 900 123 45 67"


def test_roundtrip_and_no_plaintext_on_disk(project_dir: Path, store: Store,
                                            keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    ss.put("source", "S-17", "contact", SECRET)
    assert ss.get("source", "S-17", "contact") == SECRET
    assert ss.get("source", "S-17", "missing") is None
    assert ss.fields("source", "S-17") == ["contact"]
    assert ss.count() == (1, 0)
    store.con.execute("CHECKPOINT")
    store.close()
    raw = b"".join(p.read_bytes() for p in (project_dir / ".uncounted").iterdir() if p.is_file())
    assert SECRET.encode("utf-8") not in raw
    assert "Прохорова".encode() not in raw


def test_get_without_key_raises_and_aggregates_still_work(store: Store, keyring: KeyRing) -> None:
    SensitiveStore(store, keyring).put("record", "42", "witness", SECRET)
    locked = SensitiveStore(store, None)
    with pytest.raises(CryptoError, match="encrypted"):
        locked.get("record", "42", "witness")
    # Field names and counts, and every other table, stay readable.
    assert locked.fields("record", "42") == ["witness"]
    assert store.scalar("SELECT count(*) FROM records") == 0
    assert verify(store.con).ok


def test_no_key_in_encrypted_project_refuses_plaintext(store: Store, keyring: KeyRing) -> None:
    with pytest.raises(CryptoError, match="no key was given"):
        SensitiveStore(store, None).put("source", "S-1", "name", "x")
    assert store.scalar("SELECT count(*) FROM sensitive_values") == 0


def test_swapped_ciphertexts_detected(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    ss.put("source", "A", "name", "Alice Source")
    ss.put("source", "B", "name", "Bob Source")
    blob_a = store.scalar("SELECT ciphertext FROM sensitive_values WHERE owner_id = 'A'")
    store.con.execute("UPDATE sensitive_values SET ciphertext = ? WHERE owner_id = 'B'", [blob_a])
    with pytest.raises(CryptoError, match="moved to another row"):
        ss.get("source", "B", "name")
    # Moving it to another field of the same owner fails too.
    store.con.execute("UPDATE sensitive_values SET field = 'phone' WHERE owner_id = 'A'")
    with pytest.raises(CryptoError):
        ss.get("source", "A", "phone")


def test_wrong_key_cannot_read(tmp_path: Path, store: Store, keyring: KeyRing) -> None:
    SensitiveStore(store, keyring).put("source", "A", "name", "Alice")
    other = KeyRing.create(tmp_path / "elsewhere", passphrase="different passphrase here",
                           scrypt_n=1024)
    with pytest.raises(CryptoError):
        SensitiveStore(store, other).get("source", "A", "name")


def test_plaintext_project_then_encrypt_existing(project_dir: Path, store: Store) -> None:
    ss = SensitiveStore(store, None)
    ss.put("claim", "7", "note", "said by a conscript's mother")
    assert ss.count() == (0, 1)
    ring = KeyRing.create(project_dir, passphrase="now with a proper key", scrypt_n=1024)
    enc = SensitiveStore(store, ring)
    assert enc.encrypt_existing() == 1
    assert enc.count() == (1, 0)
    assert enc.get("claim", "7", "note") == "said by a conscript's mother"
    assert store.scalar("SELECT count(*) FROM sensitive_values WHERE value IS NOT NULL") == 0


def test_put_is_audited_without_the_value(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    ss.put("source", "A", "name", SECRET)
    ss.put("source", "A", "name", SECRET + "!")  # replace
    assert ss.delete("source", "A") == 1
    log = store.query_df("SELECT action, object, detail FROM audit_log ORDER BY seq")
    assert list(log["action"]) == ["sensitive.put", "sensitive.put", "sensitive.delete"]
    assert not log.astype(str).apply(lambda c: c.str.contains("Прохорова")).any().any()
    assert verify(store.con).ok


@pytest.mark.parametrize("bad", ["", "a\x00b"])
def test_bad_names_rejected(store: Store, keyring: KeyRing, bad: str) -> None:
    with pytest.raises(InputError):
        SensitiveStore(store, keyring).put("source", bad, "name", "x")


def test_memory_store_allows_plaintext() -> None:
    with Store(":memory:") as s:
        ss = SensitiveStore(s, None)
        ss.put("source", "1", "name", "n")
        assert ss.get("source", "1", "name") == "n"


def test_put_many_is_all_or_nothing(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    assert ss.put_many([("source", str(i), "contact", f"+380 {i}") for i in range(50)]) == 50
    assert ss.get("source", "49", "contact") == "+380 49"
    with pytest.raises(InputError):
        ss.put_many([("source", "x", "contact", "ok"), ("source", "", "contact", "bad")])
    assert ss.get("source", "x", "contact") is None
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'sensitive.put_many'") == 1


def test_put_many_replaces_and_dedupes(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    ss.put("source", "1", "contact", "old")
    ss.put_many([("source", "1", "contact", "new"), ("source", "2", "contact", "a"),
                 ("source", "2", "contact", "b")])
    assert ss.get("source", "1", "contact") == "new" and ss.get("source", "2", "contact") == "b"
    assert ss.count() == (2, 0)


def test_ciphertext_length_hides_value_length(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    ss.put("source", "a", "name", "Ян")
    ss.put("source", "b", "name", "Прохорова-Щербацкая Евдок")  # 47 bytes in UTF-8
    ss.put("source", "c", "name", "")
    lens = store.query_df("SELECT owner_id, octet_length(ciphertext) AS n FROM sensitive_values "
                          "ORDER BY owner_id")["n"].tolist()
    assert lens[0] == lens[2] and lens[1] > lens[0] and (lens[1] - lens[0]) % 32 == 0
    assert ss.get("source", "c", "name") == "" and ss.get("source", "a", "name") == "Ян"


@given(st.binary(max_size=200))
def test_pad_roundtrip(data: bytes) -> None:
    p = pad(data)
    assert len(p) % 32 == 0 and unpad(p) == data


@pytest.fixture(scope="module")
def mem_pair() -> Iterator[tuple[Store, SensitiveStore]]:
    with Store(":memory:") as s:
        ring = KeyRing(b"\x01" * 32)
        yield s, SensitiveStore(s, ring)


@settings(max_examples=100, deadline=None)
@given(owner=st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=30),
       value=st.text(st.characters(exclude_categories=()), max_size=200))
def test_property_any_text_roundtrips_or_is_refused(mem_pair: tuple[Store, SensitiveStore],
                                                    owner: str, value: str) -> None:
    _, ss = mem_pair
    try:
        ss.put("source", owner, "note", value)
    except InputError:
        # Only NUL in the id, or text that is not valid Unicode (lone surrogates), is refused.
        assert "\x00" in owner or any(0xD800 <= ord(c) <= 0xDFFF for c in owner + value)
        return
    assert ss.get("source", owner, "note") == value


def test_lone_surrogates_refused(store: Store, keyring: KeyRing) -> None:
    ss = SensitiveStore(store, keyring)
    with pytest.raises(InputError, match="surrogate"):
        ss.put("source", "a", "note", "bad \ud800 text")
    with pytest.raises(InputError, match="surrogate"):
        ss.put("source", "\udfff", "note", "ok")
