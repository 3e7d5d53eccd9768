"""Evidence attachments: file names are data, never paths; files are stored by content hash.

Why: an attachment's name comes from whoever sent it.  ``../../.ssh/authorized_keys``,
``/etc/cron.d/x``, ``C:\\Windows\\...``, ``report.pdf\\x00.exe``, ``CON`` (a device on Windows) or a
right-to-left override that makes ``exe.pdf`` look like ``fdp.exe`` must never reach the file
system.  So the name is only *checked* (:func:`safe_attachment_name`, which rejects rather than
repairs: a hostile name is worth seeing in quarantine) and kept as a column, while the bytes live
at a path made only of their SHA-256 digest (:func:`evidence_path`):
``PROJECT/.uncounted/evidence/ab/cdef...``.  Content addressing also deduplicates, and makes any
change to a stored file detectable (:func:`verify_evidence`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import unicodedata
from pathlib import Path

from uncounted.exceptions import InputError, StoreError

log = logging.getLogger(__name__)

EVIDENCE_DIR = "evidence"
MAX_NAME_BYTES = 255  # ext4, NTFS (in UTF-16 units) and APFS limits are all about 255

_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{d}{n}" for d in ("COM", "LPT") for n in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]]
)
_FORBIDDEN_CHARS = frozenset('<>:"/\\|?*')
# Unicode categories rejected in names: controls (Cc), formatting characters (Cf: bidirectional
# overrides as in "Trojan Source", Boucher and Anderson 2021, zero-width joiners, BOM), surrogates,
# private use, unassigned, line and paragraph separators.  They make a name display differently
# from what it is, or break tools that print it.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_HEX64 = re.compile(r"[0-9a-f]{64}")


def safe_attachment_name(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return ``name`` (NFC-normalised) if it is a safe plain file name, else raise.

    Rejected: empty names, ``.`` and ``..``, any path separator (``/`` or ``\\``, also after
    NFKC folding of look-alikes such as the full-width solidus), absolute and drive paths, NUL
    and other control characters, characters Windows forbids (``< > : " | ? *``; ``:`` also
    opens NTFS alternate data streams), bidirectional and invisible formatting characters,
    Windows device names (``CON``, ``nul.txt``, ``COM1``...), trailing dots or spaces (Windows
    drops them), and names longer than ``max_bytes`` bytes in UTF-8.

    Raises
    ------
    InputError
        Saying which rule the name broke.
    """
    if not isinstance(name, str):
        raise InputError(f"an attachment name must be text; got {type(name).__name__}")
    nfc = unicodedata.normalize("NFC", name)
    shown = ascii(name)[:80]

    def bad(why: str) -> InputError:
        return InputError(f"unsafe attachment name {shown}: {why}; the file is kept under its "
                          "SHA-256 only: rename it and attach it again")

    if not nfc.strip():
        raise bad("empty")
    for form in (nfc, unicodedata.normalize("NFKC", nfc)):
        for ch in form:
            if ch in _FORBIDDEN_CHARS:
                raise bad(f"contains {ch!r} (path separator or character Windows forbids)")
            cat = unicodedata.category(ch)
            if cat == "Cc":
                raise bad(f"contains the control character U+{ord(ch):04X}")
            if cat in _BAD_CATEGORIES:
                raise bad(f"contains the invisible, bidirectional or unassigned character "
                          f"U+{ord(ch):04X}")
        if form in (".", "..") or set(form) == {"."}:
            raise bad("only dots")
        if form[-1] in ". ":
            raise bad("ends with a dot or space")
        stem = form.split(".", 1)[0].rstrip(" ").upper()
        if stem in _WINDOWS_RESERVED:
            raise bad(f"{stem} is a reserved device name on Windows")
    if len(nfc.encode("utf-8")) > max_bytes:
        raise bad(f"longer than {max_bytes} bytes")
    return nfc


def evidence_root(project_dir: str | Path) -> Path:
    """Where a project keeps its evidence files: ``PROJECT/.uncounted/evidence``."""
    return Path(project_dir) / ".uncounted" / EVIDENCE_DIR


def _check_digest(sha256: str) -> str:
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise InputError(f"not a SHA-256 hex digest (64 lowercase hex digits): {sha256!r:.80}")
    return sha256


def evidence_path(root: str | Path, sha256: str) -> Path:
    """``root/ab/cdef...`` for digest ``abcdef...`` (two-character fan-out keeps folders small).

    Raises
    ------
    InputError
        If ``sha256`` is not 64 lowercase hex digits (so it can never hold a path trick).
    """
    d = _check_digest(sha256)
    return Path(root) / d[:2] / d[2:]


def store_evidence(root: str | Path, data: bytes) -> tuple[str, Path]:
    """Store bytes under their SHA-256; return ``(digest, path)``.  Idempotent.

    The file is written to a temporary name in the same folder, fsynced, made read-only and
    renamed into place, so a crash leaves either no file or the whole file.  An existing file
    with the same digest is checked, not overwritten.

    Raises
    ------
    StoreError
        If a file already at that path does not hash to its name (it was altered), or the
        path is a symbolic link.
    """
    digest = hashlib.sha256(data).hexdigest()
    path = evidence_path(root, digest)
    if path.is_symlink():
        raise StoreError(f"{path} is a symbolic link; refusing to use it")
    if path.exists():
        if not verify_evidence(root, digest):
            raise StoreError(f"{path} exists but its content no longer matches its SHA-256: "
                             "the stored evidence was altered")
        return digest, path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o400)
    os.replace(tmp, path)
    log.info("stored evidence %s (%d bytes)", digest[:12], len(data))
    return digest, path


def verify_evidence(root: str | Path, sha256: str) -> bool:
    """True if the stored file exists and still hashes to ``sha256``."""
    path = evidence_path(root, sha256)
    if not path.is_file() or path.is_symlink():
        return False
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest() == sha256
