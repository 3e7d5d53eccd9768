"""Keys: passphrase (scrypt) and key file, the key check value, and AES-GCM binding."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from uncounted.exceptions import CryptoError
from uncounted.store.crypto import MIN_SCRYPT_N, KeyRing, keyparams_path

from .conftest import PASSPHRASE


def test_passphrase_roundtrip_and_wrong_passphrase(project_dir: Path, keyring: KeyRing) -> None:
    blob = keyring.encrypt(b"witness phone +380 00 000", b"aad")
    again = KeyRing.from_passphrase(project_dir, PASSPHRASE)
    assert again.key_id == keyring.key_id
    assert again.decrypt(blob, b"aad") == b"witness phone +380 00 000"
    with pytest.raises(CryptoError, match="wrong passphrase or key file"):
        KeyRing.from_passphrase(project_dir, PASSPHRASE + "x")


def test_keyparams_hold_no_key_and_are_private(project_dir: Path, keyring: KeyRing) -> None:
    path = keyparams_path(project_dir)
    params = json.loads(path.read_text())
    assert params["mode"] == "passphrase" and params["n"] == MIN_SCRYPT_N
    assert PASSPHRASE not in path.read_text()
    assert keyring.data_key.hex() not in path.read_text()
    assert path.stat().st_mode & 0o077 == 0
    assert keyring.data_key.hex() not in repr(keyring)
    assert keyring.key_id in repr(keyring)


def test_tampered_salt_reads_as_wrong_key(project_dir: Path, keyring: KeyRing) -> None:
    path = keyparams_path(project_dir)
    params = json.loads(path.read_text())
    params["salt"] = "AAAAAAAAAAAAAAAAAAAAAA=="
    path.write_text(json.dumps(params))
    with pytest.raises(CryptoError, match="wrong passphrase"):
        KeyRing.from_passphrase(project_dir, PASSPHRASE)


def test_create_refuses_to_overwrite(project_dir: Path, keyring: KeyRing) -> None:
    with pytest.raises(CryptoError, match="already exists"):
        KeyRing.create(project_dir, passphrase="another long passphrase", scrypt_n=MIN_SCRYPT_N)


def test_keyfile_create_load_and_wrong_file(tmp_path: Path, project_dir: Path) -> None:
    kf = tmp_path / "usb" / "project.key"
    ring = KeyRing.create(project_dir, keyfile=kf)
    assert kf.stat().st_size == 32 and kf.stat().st_mode & 0o077 == 0
    assert KeyRing.from_keyfile(kf, project_dir).key_id == ring.key_id
    other = tmp_path / "other.key"
    other.write_bytes(os.urandom(32))
    with pytest.raises(CryptoError, match="wrong passphrase or key file"):
        KeyRing.from_keyfile(other, project_dir)
    short = tmp_path / "short.key"
    short.write_bytes(b"123")
    with pytest.raises(CryptoError, match="exactly 32"):
        KeyRing.from_keyfile(short)
    with pytest.raises(CryptoError, match="key file, not a passphrase"):
        KeyRing.from_passphrase(project_dir, PASSPHRASE)


def test_from_env(monkeypatch: pytest.MonkeyPatch, project_dir: Path, keyring: KeyRing) -> None:
    monkeypatch.delenv("UNCOUNTED_KEYFILE", raising=False)
    monkeypatch.delenv("UNCOUNTED_PASSPHRASE", raising=False)
    assert KeyRing.from_env(project_dir) is None
    monkeypatch.setenv("UNCOUNTED_PASSPHRASE", PASSPHRASE)
    ring = KeyRing.from_env(project_dir)
    assert ring is not None and ring.key_id == keyring.key_id
    monkeypatch.setenv("UNCOUNTED_PASSPHRASE", "nope nope nope nope")
    with pytest.raises(CryptoError, match="wrong passphrase"):
        KeyRing.from_env(project_dir)


def test_no_keyparams(project_dir: Path) -> None:
    with pytest.raises(CryptoError, match="no encryption key yet"):
        KeyRing.from_passphrase(project_dir, PASSPHRASE)


def test_aead_rejects_other_associated_data_and_bitflips(keyring: KeyRing) -> None:
    blob = keyring.encrypt(b"secret", b"record:1:name")
    with pytest.raises(CryptoError):
        keyring.decrypt(blob, b"record:2:name")
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(CryptoError):
        keyring.decrypt(bytes(flipped), b"record:1:name")
    with pytest.raises(CryptoError):
        keyring.decrypt(b"short", b"record:1:name")
    # Fresh nonce each time: same plaintext, different ciphertext.
    assert keyring.encrypt(b"secret", b"a") != keyring.encrypt(b"secret", b"a")


def test_subkeys_are_distinct(keyring: KeyRing) -> None:
    keys = {keyring.data_key, keyring.pseudonym_key, keyring.audit_key}
    assert len(keys) == 3 and all(len(k) == 32 for k in keys)


def test_scrypt_n_validated(project_dir: Path) -> None:
    with pytest.raises(CryptoError, match="power of two"):
        KeyRing.create(project_dir, passphrase="long enough passphrase", scrypt_n=1000)
