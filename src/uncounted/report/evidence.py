"""Evidence files (photos, scans, X-rays): content-addressed storage and chain of custody.

Why content addressing: a file's SHA-256 is its name, so any later change is detectable and the
same photo sent by two sources is stored once.  Why strip on export: a photo's EXIF block carries
the camera's serial number and often GPS coordinates of the person who took it; an exported copy
must not betray them unless someone asks for it on purpose.
"""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uncounted.exceptions import InputError
from uncounted.store import now
from uncounted.store.attachments import (
    evidence_path,
    evidence_root,
    safe_attachment_name,
    store_evidence,
    verify_evidence,
)

IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff", "image/webp"}


@dataclass(frozen=True)
class EvidenceRecord:
    sha256: str
    file_name: str
    media_type: str | None
    size_bytes: int
    new: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def add_evidence(project: Any, file: str | Path, *, actor: str, origin: str | None = None,
                 owner: tuple[str, str] | None = None) -> EvidenceRecord:
    """Store a file under its SHA-256 and log who added it, when and from where."""
    path = Path(file)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    name = safe_attachment_name(path.name)
    data = path.read_bytes()
    media = mimetypes.guess_type(name)[0]
    root = evidence_root(project.path)
    st = project.store
    with st.transaction() as con:
        digest, _ = store_evidence(root, data)
        exists = st.scalar("SELECT count(*) FROM evidence_files WHERE sha256 = ?", [digest])
        if not exists:
            con.execute("INSERT INTO evidence_files VALUES (?, ?, ?, ?, ?, ?)",
                        [digest, name, media, len(data), now(), actor])
        con.execute("INSERT INTO custody_log VALUES (?, ?, ?, ?, ?)",
                    [digest, now(), actor, "add" if not exists else "add-again", origin])
        if owner is not None:
            con.execute("INSERT INTO evidence_links VALUES (?, ?, ?)", [digest, owner[0], owner[1]])
        st.audit("evidence.add", f"evidence:{digest[:16]}", {"file_name": name, "size": len(data),
                                                             "origin": origin}, actor=actor)
    return EvidenceRecord(digest, name, media, len(data), not bool(exists))


def strip_metadata(data: bytes, media_type: str | None) -> bytes:
    """Re-encode an image without EXIF, GPS, XMP or ICC-embedded comments.

    Pixels only are copied into a new image, so no metadata block survives, whatever its kind.
    Non-image files are returned unchanged (the caller says so to the user).
    """
    if media_type not in IMAGE_TYPES:
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        clean = Image.frombytes(im.mode, im.size, im.tobytes())
        palette = im.getpalette() if im.mode == "P" else None
        if palette:
            clean.putpalette(palette)
        out = io.BytesIO()
        fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF", "image/webp": "WEBP"}[media_type]
        kwargs = {"quality": 95} if fmt == "JPEG" else {}
        clean.save(out, format=fmt, **kwargs)
        return out.getvalue()


def export_evidence(project: Any, sha256: str, output: str | Path, *, actor: str,
                    keep_metadata: bool = False) -> dict[str, Any]:
    """Write a copy of stored evidence, metadata stripped unless asked, and log the custody step."""
    root = evidence_root(project.path)
    if not verify_evidence(root, sha256):
        raise InputError(f"evidence {sha256[:16]}… is missing or no longer matches its SHA-256")
    row = project.store.query_df("SELECT file_name, media_type FROM evidence_files WHERE sha256 = ?", [sha256])
    media = None if row.empty else row["media_type"].iloc[0]
    data = evidence_path(root, sha256).read_bytes()
    stripped = not keep_metadata and media in IMAGE_TYPES
    out_data = data if keep_metadata else strip_metadata(data, media)
    out = Path(output)
    out.write_bytes(out_data)
    action = "export" if stripped else ("export-with-metadata" if keep_metadata else "export-unstripped")
    with project.store.transaction() as con:
        con.execute("INSERT INTO custody_log VALUES (?, ?, ?, ?, ?)",
                    [sha256, now(), actor, action, str(out.name)])
        project.store.audit("evidence.export", f"evidence:{sha256[:16]}",
                            {"to": out.name, "metadata_stripped": stripped}, actor=actor)
    return {"sha256": sha256, "output": str(out), "metadata_stripped": stripped,
            "note": "" if stripped or keep_metadata or media in IMAGE_TYPES
            else f"{media or 'this file type'}: metadata not stripped (only images are re-encoded)"}


def custody(project: Any, sha256: str) -> Any:
    return project.store.query_df("SELECT * FROM custody_log WHERE sha256 = ? ORDER BY logged_at", [sha256])
