"""Keys for encryption at rest: a passphrase (scrypt) or a 32-byte key file.

Why: a seized laptop must not give away who the sources, witnesses and reviewers are.  Sensitive
values are encrypted with AES-256-GCM (NIST SP 800-38D), an authenticated cipher: a wrong key or
a changed ciphertext is detected rather than decrypted into garbage.  The key comes from

* a passphrase, stretched with scrypt (Percival 2009, "Stronger key derivation via sequential
  memory-hard functions"; RFC 7914) with a random 16-byte salt and N = 2**17, r = 8, p = 1
  (about 128 MiB and a quarter of a second per guess on a laptop, OWASP's password-storage
  recommendation), or
* a key file of 32 random bytes, e.g. on a removable drive kept apart from the laptop.

From that master secret, independent sub-keys are derived with HKDF-SHA256 (RFC 5869) for each
purpose (field encryption, pseudonyms in redacted exports, the audit-log anchor), so that handing
out one of them (the pseudonym key to a partner group, say) does not reveal the others.

The salt, the scrypt parameters and a *key check value* (a known constant encrypted with the
key) are stored in ``PROJECT/.uncounted/keyparams.json``.  The check value tells "wrong passphrase
or key file" apart from "data tampered with".  It lets an attacker with the file test guesses
offline, at the scrypt cost per guess; that is the same as encrypted data itself would allow, so
nothing is lost.  Choose a long passphrase (five or more random words).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from uncounted.exceptions import CryptoError

log = logging.getLogger(__name__)

KEYPARAMS_FILE = "keyparams.json"
NEXT_KEYPARAMS_FILE = "keyparams.next.json"
DB_DIR = ".uncounted"  # same as uncounted.store.db.DB_DIR (not imported to keep this module light)
ENV_PASSPHRASE = "UNCOUNTED_PASSPHRASE"
ENV_KEYFILE = "UNCOUNTED_KEYFILE"

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
DEFAULT_SCRYPT_N = 2**17
DEFAULT_SCRYPT_R = 8
DEFAULT_SCRYPT_P = 1
MIN_SCRYPT_N = 2**10  # only tests should go this low
_CHECK_PLAINTEXT = b"uncounted key check v1"
_CHECK_AAD = b"uncounted/keycheck/v1"
WRONG_KEY = "wrong passphrase or key file"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def keyparams_path(project_dir: str | Path) -> Path:
    """Where a project keeps its salt, scrypt parameters and key check value."""
    return Path(project_dir) / DB_DIR / KEYPARAMS_FILE


def next_keyparams_path(project_dir: str | Path) -> Path:
    """Parameters of the next key while a key rotation is under way."""
    return Path(project_dir) / DB_DIR / NEXT_KEYPARAMS_FILE


def finish_rotation(project_dir: str | Path, active_key_id: str | None) -> bool:
    """Settle the key files after a rotation, given the key id the data now uses.

    If the pending parameters belong to the active key they replace the current ones; if the
    current ones do, the pending file is stale (the rotation did not commit) and is removed.
    Returns True when the parameters changed.  Safe to call at any time.

    Raises
    ------
    CryptoError
        Neither parameter file matches the key the data uses.
    """
    pending_path = next_keyparams_path(project_dir)
    pending = _load_pending(project_dir)
    if pending is None:
        return False
    if active_key_id is None or pending.get("key_id") == active_key_id:
        os.replace(pending_path, keyparams_path(project_dir))
        log.info("key rotation finished: the project now uses key %s", active_key_id)
        return True
    current = _load_params(project_dir)
    if current.get("key_id") == active_key_id:
        pending_path.unlink()
        log.info("removed the parameters of a key rotation that did not commit")
        return False
    raise CryptoError(f"neither key parameter file matches the key the data uses "
                      f"({active_key_id}); restore keyparams.json from a backup")


def encryption_configured(project_dir: str | Path) -> bool:
    """True when the project has a key (so sensitive values must never be written in clear)."""
    return keyparams_path(project_dir).is_file()


def _write_private(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise CryptoError(
            f"{path} already exists; refusing to overwrite a key or key parameters "
            "(losing them makes every encrypted value unreadable). Move it away first."
        )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _aesgcm_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _aesgcm_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < NONCE_BYTES + 16:
        raise InvalidTag
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def _hkdf(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"uncounted/" + purpose).derive(master)


@dataclass(frozen=True, repr=False)
class KeyRing:
    """The unlocked keys of one project (hold it in memory only; never log or store it).

    Build it with :meth:`create` (once per project), :meth:`from_passphrase`,
    :meth:`from_keyfile` or :meth:`from_env`.

    Attributes
    ----------
    mode:
        ``"passphrase"`` or ``"keyfile"``.
    """

    _master: bytes = field(repr=False)
    mode: str = "passphrase"

    def __post_init__(self) -> None:
        if len(self._master) != KEY_BYTES:
            raise CryptoError(f"a key must be {KEY_BYTES} bytes; got {len(self._master)}")

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(mode={self.mode!r}, id={self.key_id})"

    # -- sub-keys -------------------------------------------------------------------------
    @property
    def data_key(self) -> bytes:
        """AES-256-GCM key for sensitive field values."""
        return _hkdf(self._master, b"data")

    @property
    def pseudonym_key(self) -> bytes:
        """HMAC key for keyed-hash pseudonyms in redacted exports (give out with care)."""
        return _hkdf(self._master, b"pseudonym")

    @property
    def audit_key(self) -> bytes:
        """HMAC key that seals the head of the audit chain."""
        return _hkdf(self._master, b"audit")

    @property
    def key_id(self) -> str:
        """A short public fingerprint of the key (safe to show; not usable to derive it)."""
        return _hkdf(self._master, b"key-id")[:6].hex()

    # -- encryption -----------------------------------------------------------------------
    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt with AES-256-GCM; returns ``nonce (12 bytes) || ciphertext || tag``.

        ``aad`` (associated data) is authenticated but not stored: decryption must be given the
        same bytes, which binds the ciphertext to its place (owner and field).
        """
        return _aesgcm_encrypt(self.data_key, plaintext, aad)

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        """Inverse of :meth:`encrypt`; raises :class:`CryptoError` if the tag does not verify."""
        try:
            return _aesgcm_decrypt(self.data_key, bytes(blob), aad)
        except InvalidTag as exc:
            raise CryptoError(
                "a sensitive value does not decrypt: it was altered, moved to another row, or "
                "the key is wrong"
            ) from exc

    def _check_value(self) -> bytes:
        return _aesgcm_encrypt(self.data_key, _CHECK_PLAINTEXT, _CHECK_AAD)

    def _verify_check(self, blob: bytes) -> None:
        try:
            ok = _aesgcm_decrypt(self.data_key, blob, _CHECK_AAD) == _CHECK_PLAINTEXT
        except InvalidTag:
            ok = False
        if not ok:
            raise CryptoError(f"{WRONG_KEY}: the key does not open this project")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def create(cls, project_dir: str | Path, *, passphrase: str | None = None,
               keyfile: str | Path | None = None, scrypt_n: int = DEFAULT_SCRYPT_N,
               overwrite: bool = False) -> KeyRing:
        """Set up encryption for a project: with a passphrase, or by writing a new key file.

        Parameters
        ----------
        project_dir:
            The project folder; ``.uncounted/keyparams.json`` is written there.
        passphrase:
            Derive the key from this passphrase with scrypt.
        keyfile:
            Write 32 fresh random bytes to this path (mode 0600; refuses to overwrite) and use
            them as the key.  Keep the file away from the laptop (e.g. on a separate drive).
        scrypt_n:
            scrypt cost parameter (a power of two); the default suits a laptop.
        overwrite:
            Replace existing key parameters.  Everything encrypted with the old key is lost.

        Raises
        ------
        CryptoError
            If neither or both of ``passphrase`` and ``keyfile`` are given, or parameters exist.
        """
        if keyparams_path(project_dir).exists() and not overwrite:
            raise CryptoError(f"{keyparams_path(project_dir)} already exists; this project has "
                              "a key (rotate it with prepare_rotation / rotate_key)")
        ring, params = cls._generate(passphrase, keyfile, scrypt_n)
        _write_private(keyparams_path(project_dir),
                       json.dumps(params, indent=2).encode("utf-8"), overwrite=overwrite)
        log.info("created %s key %s for %s", ring.mode, ring.key_id, project_dir)
        return ring

    @classmethod
    def _generate(cls, passphrase: str | None, keyfile: str | Path | None,
                  scrypt_n: int) -> tuple[KeyRing, dict[str, Any]]:
        if (passphrase is None) == (keyfile is None):
            raise CryptoError("give exactly one of passphrase= or keyfile= to create a key")
        params: dict[str, Any] = {"version": 1, "cipher": "AES-256-GCM"}
        if passphrase is not None:
            _check_passphrase(passphrase)
            _check_n(scrypt_n)
            salt = os.urandom(SALT_BYTES)
            master = _scrypt(passphrase, salt, scrypt_n, DEFAULT_SCRYPT_R, DEFAULT_SCRYPT_P)
            params.update(mode="passphrase", kdf="scrypt", salt=_b64(salt), n=scrypt_n,
                          r=DEFAULT_SCRYPT_R, p=DEFAULT_SCRYPT_P)
            ring = cls(master, "passphrase")
        else:
            assert keyfile is not None
            master = os.urandom(KEY_BYTES)
            _write_private(Path(keyfile), master, overwrite=False)
            params.update(mode="keyfile")
            ring = cls(master, "keyfile")
        params["check"] = _b64(ring._check_value())
        params["key_id"] = ring.key_id
        return ring, params

    @classmethod
    def prepare_rotation(cls, project_dir: str | Path, *, passphrase: str | None = None,
                         keyfile: str | Path | None = None,
                         scrypt_n: int = DEFAULT_SCRYPT_N) -> KeyRing:
        """Make the next key and write its parameters to ``keyparams.next.json``.

        The data still uses the current key: :meth:`SensitiveStore.rotate_key
        <uncounted.store.sensitive.SensitiveStore.rotate_key>` re-encrypts it in one transaction
        and then calls :func:`finish_rotation`.  Until then, unlocking with the new passphrase
        finds the pending parameters, and the store refuses the key if the data does not use it.
        """
        ring, params = cls._generate(passphrase, keyfile, scrypt_n)
        _write_private(next_keyparams_path(project_dir),
                       json.dumps(params, indent=2).encode("utf-8"), overwrite=True)
        return ring

    @classmethod
    def from_passphrase(cls, project_dir: str | Path, passphrase: str) -> KeyRing:
        """Unlock a project with its passphrase.

        Raises
        ------
        CryptoError
            "wrong passphrase or key file" if the key check value does not verify; or the project
            has no key parameters, or they are malformed.
        """
        try:
            return cls._from_passphrase_params(_load_params(project_dir), passphrase, project_dir)
        except CryptoError:
            pending = _load_pending(project_dir)
            if pending is None:
                raise
            try:
                ring = cls._from_passphrase_params(pending, passphrase, project_dir)
            except CryptoError:
                pass
            else:
                log.warning("unlocked with the key of an unfinished key rotation")
                return ring
            raise

    @classmethod
    def _from_passphrase_params(cls, params: dict[str, Any], passphrase: str,
                                project_dir: str | Path) -> KeyRing:
        if params.get("mode") != "passphrase":
            raise CryptoError(
                f"this project is locked with a key file, not a passphrase; set {ENV_KEYFILE}"
            )
        try:
            salt = _unb64(params["salt"])
            n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
        except (KeyError, ValueError, TypeError) as exc:
            raise CryptoError(f"{keyparams_path(project_dir)} is malformed: {exc}") from exc
        _check_n(n)
        if r < 1 or p < 1 or r * p > 64:
            raise CryptoError(f"unreasonable scrypt parameters r={r}, p={p} in key parameters")
        ring = cls(_scrypt(passphrase, salt, n, r, p), "passphrase")
        ring._verify_check(_check_blob(params, project_dir))
        return ring

    @classmethod
    def from_keyfile(cls, path: str | Path, project_dir: str | Path | None = None) -> KeyRing:
        """Unlock with a 32-byte key file; checked against the project when ``project_dir`` given.

        Raises
        ------
        CryptoError
            If the file cannot be read, is not 32 bytes, or (with ``project_dir``) is the wrong key.
        """
        try:
            master = Path(path).read_bytes()
        except OSError as exc:
            raise CryptoError(f"cannot read key file {path}: {exc.strerror or exc}") from exc
        if len(master) != KEY_BYTES:
            raise CryptoError(
                f"{WRONG_KEY}: {path} holds {len(master)} bytes; a key file holds exactly "
                f"{KEY_BYTES} random bytes"
            )
        try:
            if Path(path).stat().st_mode & 0o077:
                log.warning("key file %s is readable by other users; chmod 600 it", path)
        except OSError:
            pass
        ring = cls(master, "keyfile")
        if project_dir is not None:
            try:
                ring._verify_check(_check_blob(_load_params(project_dir), project_dir))
            except CryptoError:
                pending = _load_pending(project_dir)
                if pending is None or pending.get("key_id") != ring.key_id:
                    raise
                ring._verify_check(_check_blob(pending, project_dir))
                log.warning("unlocked with the key of an unfinished key rotation")
        return ring

    @classmethod
    def from_env(cls, project_dir: str | Path) -> KeyRing | None:
        """Unlock from ``UNCOUNTED_KEYFILE`` or ``UNCOUNTED_PASSPHRASE``; None if neither is set.

        The key file wins when both are set.  Prefer the key file or an interactive prompt to the
        passphrase variable: other processes of the same user may read a process environment.
        """
        keyfile = os.environ.get(ENV_KEYFILE)
        if keyfile:
            return cls.from_keyfile(keyfile, project_dir)
        passphrase = os.environ.get(ENV_PASSPHRASE)
        if passphrase:
            return cls.from_passphrase(project_dir, passphrase)
        return None


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _check_n(n: int) -> None:
    if n < MIN_SCRYPT_N or n > 2**22 or n & (n - 1):
        raise CryptoError(
            f"scrypt N must be a power of two in [{MIN_SCRYPT_N}, {2**22}]; got {n}"
        )


def _check_passphrase(passphrase: str) -> None:
    if not passphrase:
        raise CryptoError("the passphrase is empty; choose five or more random words")
    if len(passphrase) < 12:
        log.warning("the passphrase is short (%d characters); five random words are safer",
                    len(passphrase))


def _load_params(project_dir: str | Path) -> dict[str, Any]:
    path = keyparams_path(project_dir)
    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CryptoError(
            f"{path} not found: this project has no encryption key yet "
            "(create one with KeyRing.create / `uncounted key init`)"
        ) from exc
    except (OSError, ValueError) as exc:
        raise CryptoError(f"{path} is unreadable or not JSON: {exc}") from exc
    if not isinstance(params, dict) or params.get("version") != 1:
        raise CryptoError(f"{path}: unknown key parameter format")
    return params


def _load_pending(project_dir: str | Path) -> dict[str, Any] | None:
    path = next_keyparams_path(project_dir)
    if not path.is_file():
        return None
    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return params if isinstance(params, dict) and params.get("version") == 1 else None


def _check_blob(params: dict[str, Any], project_dir: str | Path) -> bytes:
    try:
        return _unb64(str(params["check"]))
    except (KeyError, ValueError) as exc:
        raise CryptoError(f"{keyparams_path(project_dir)} has no valid key check value") from exc
