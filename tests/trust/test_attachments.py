"""Attachment names never become paths; evidence lives under its SHA-256."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import InputError, StoreError
from uncounted.store.attachments import (
    evidence_path,
    evidence_root,
    safe_attachment_name,
    store_evidence,
    verify_evidence,
)

FUZZ = int(os.environ.get("UNCOUNTED_FUZZ_EXAMPLES", "200"))

HOSTILE = [
    "", " ", ".", "..", "...", "../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd",
    "C:\\Windows\\x.exe", "C:x", "a/b.pdf", "report.pdf\x00.exe", "line\nbreak.txt",
    "CON", "con.txt", "Nul.tar.gz", "COM1", "lpt9.doc", "COM\u00b9", "CONIN$", "aux .txt",
    "trailing.", "trailing ", "photo\u202egnp.exe", "zero\u200bwidth.jpg", "file:stream.txt",
    "what?.txt", "a|b", "x" * 256, "я" * 128, "\uff0e\uff0e\uff0fx", "a\uff0fb.jpg",
    "\u2024\u2024", "tab\there", "del\x7f.txt", "sep\u2028.txt",
]
FINE = ["photo.jpg", "Протокол допроса 12.pdf", "list (copy 2).xlsx", ".hidden", "a..b.txt",
        "x" * 255, "я" * 127, "consent.pdf", "COM10.txt", "lpt.doc", "e\u0301cole.png"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_rejected(name: str) -> None:
    with pytest.raises(InputError, match="unsafe attachment name"):
        safe_attachment_name(name)


@pytest.mark.parametrize("name", FINE)
def test_plain_names_accepted(name: str) -> None:
    assert safe_attachment_name(name) == unicodedata.normalize("NFC", name)


@settings(max_examples=FUZZ, deadline=None)
@given(st.text(max_size=300))
def test_accepted_names_stay_inside_a_folder(name: str) -> None:
    try:
        out = safe_attachment_name(name)
    except InputError:
        return
    # Whatever passes is a single path component that resolves inside its folder.
    root = Path("/srv/evidence")
    p = root / out
    assert p.parent == root and p.name == out
    assert os.path.normpath(p) == str(p)
    assert "\x00" not in out and "/" not in out and "\\" not in out
    assert len(out.encode()) <= 255 and out not in (".", "..")


def test_evidence_is_content_addressed(tmp_path: Path) -> None:
    root = evidence_root(tmp_path)
    data = b"%PDF-1.7 witness statement"
    digest, path = store_evidence(root, data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert path == root / digest[:2] / digest[2:] == evidence_path(root, digest)
    assert path.read_bytes() == data and path.stat().st_mode & 0o777 == 0o400
    assert store_evidence(root, data) == (digest, path)  # idempotent
    assert verify_evidence(root, digest)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    os.chmod(path, 0o600)
    path.write_bytes(b"altered")
    assert not verify_evidence(root, digest)
    with pytest.raises(StoreError, match="altered"):
        store_evidence(root, data)


@pytest.mark.parametrize("bad", ["../" + "a" * 61, "A" * 64, "a" * 63, "g" * 64, "a" * 64 + "\n"])
def test_evidence_path_rejects_non_digests(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InputError):
        evidence_path(tmp_path, bad)
