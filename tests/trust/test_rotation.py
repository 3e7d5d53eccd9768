"""Key rotation: all values move to the new key in one transaction; a crash is settled either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.exceptions import CryptoError
from uncounted.store import Store
from uncounted.store.audit import verify
from uncounted.store.crypto import KeyRing, finish_rotation, next_keyparams_path
from uncounted.store.sensitive import SensitiveStore, active_key_id

from .conftest import PASSPHRASE
from .crashkit import run_snippet, run_until_crash

NEW = "a new passphrase after the arrest"


def _seed(project: Path) -> None:
    with Store.for_project(project) as s:
        ring = KeyRing.create(project, passphrase=PASSPHRASE, scrypt_n=1024)
        ss = SensitiveStore(s, ring)
        ss.put_many([("source", str(i), "contact", f"+380 {i}") for i in range(10)])
        with s.transaction() as con:
            from uncounted.store import audit
            audit.seal(con, ring.audit_key)


def test_rotation_moves_everything(project_dir: Path) -> None:
    _seed(project_dir)
    with Store.for_project(project_dir) as s:
        old = KeyRing.from_passphrase(project_dir, PASSPHRASE)
        ss = SensitiveStore(s, old)
        new = KeyRing.prepare_rotation(project_dir, passphrase=NEW, scrypt_n=1024)
        assert ss.rotate_key(new, project_dir) == 10
        assert active_key_id(s) == new.key_id
        assert not next_keyparams_path(project_dir).exists()
        assert ss.get("source", "3", "contact") == "+380 3"
        assert verify(s.con, key=new.audit_key).ok
        assert not verify(s.con, key=old.audit_key).ok  # the seal moved to the new key
        with pytest.raises(CryptoError, match="not the key"):
            SensitiveStore(s, old)
    with pytest.raises(CryptoError, match="wrong passphrase"):
        KeyRing.from_passphrase(project_dir, PASSPHRASE)
    assert KeyRing.from_passphrase(project_dir, NEW).key_id == new.key_id


def test_rotation_refuses_a_tampered_log(project_dir: Path) -> None:
    _seed(project_dir)
    with Store.for_project(project_dir) as s:
        s.con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
        ss = SensitiveStore(s, KeyRing.from_passphrase(project_dir, PASSPHRASE))
        new = KeyRing.prepare_rotation(project_dir, passphrase=NEW, scrypt_n=1024)
        with pytest.raises(Exception, match="does not verify"):
            ss.rotate_key(new, project_dir)
        assert active_key_id(s) != new.key_id
        assert ss.get("source", "1", "contact") == "+380 1"


ROTATE = f"""
from uncounted.store import Store
from uncounted.store.crypto import KeyRing
from uncounted.store.sensitive import SensitiveStore
with Store.for_project("proj") as s:
    ss = SensitiveStore(s, KeyRing.from_passphrase("proj", {PASSPHRASE!r}))
    new = KeyRing.prepare_rotation("proj", passphrase={NEW!r}, scrypt_n=1024)
    ss.rotate_key(new, "proj")
"""


@pytest.mark.parametrize("where,committed", [("sensitive.rotate_key.row@5", False),
                                             ("sensitive.rotate_key.after_commit", True)])
def test_crash_during_rotation_is_settled(tmp_path: Path, where: str, committed: bool) -> None:
    project = tmp_path / "proj"
    _seed(project)
    run_until_crash(ROTATE, where, cwd=tmp_path)
    assert next_keyparams_path(project).exists()
    good, bad = (NEW, PASSPHRASE) if committed else (PASSPHRASE, NEW)
    with Store.for_project(project) as s:
        # Both passphrases unlock *a* key file, but only the one the data uses is accepted.
        with pytest.raises(CryptoError, match="rotation was interrupted"):
            SensitiveStore(s, KeyRing.from_passphrase(project, bad))
        ring = KeyRing.from_passphrase(project, good)
        ss = SensitiveStore(s, ring)
        assert [ss.get("source", str(i), "contact") for i in range(10)] == [
            f"+380 {i}" for i in range(10)]
        assert verify(s.con, key=ring.audit_key).ok
        assert finish_rotation(project, active_key_id(s)) is committed
    assert not next_keyparams_path(project).exists()
    assert KeyRing.from_passphrase(project, good).key_id == ring.key_id
    with pytest.raises(CryptoError, match="wrong passphrase"):
        KeyRing.from_passphrase(project, bad)
    if not committed:  # the rotation can simply be run again
        run_snippet(ROTATE, cwd=tmp_path)
        assert KeyRing.from_passphrase(project, NEW)
