from __future__ import annotations

import io

import pytest
from PIL import Image

from uncounted.exceptions import InputError
from uncounted.report.evidence import add_evidence, custody, export_evidence


def jpeg_with_gps() -> bytes:
    im = Image.new("RGB", (32, 24), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"          # Make
    exif[0x0131] = "witness-phone-123"  # Software
    gps = {1: "N", 2: (52.0, 3.0, 0.0), 3: "E", 4: (29.0, 14.0, 0.0)}
    exif[0x8825] = gps                  # GPSInfo
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_add_is_content_addressed_and_logged(project, tmp_path):
    f = tmp_path / "bus.jpg"
    f.write_bytes(jpeg_with_gps())
    a = add_evidence(project, f, actor="alice", origin="monitoring group A")
    b = add_evidence(project, f, actor="bob", origin="channel B")
    assert a.sha256 == b.sha256 and a.new and not b.new
    assert project.store.scalar("SELECT count(*) FROM evidence_files") == 1
    log = custody(project, a.sha256)
    assert list(log["actor"]) == ["alice", "bob"]
    assert list(log["origin"]) == ["monitoring group A", "channel B"]


def test_export_strips_exif_and_gps_unless_asked(project, tmp_path):
    data = jpeg_with_gps()
    assert b"SecretCam" in data
    f = tmp_path / "bus.jpg"
    f.write_bytes(data)
    rec = add_evidence(project, f, actor="alice")
    out = tmp_path / "out.jpg"
    info = export_evidence(project, rec.sha256, out, actor="alice")
    clean = out.read_bytes()
    assert info["metadata_stripped"] is True
    assert b"SecretCam" not in clean and b"witness-phone" not in clean
    with Image.open(out) as im:
        assert len(im.getexif()) == 0
        assert im.size == (32, 24)
    raw = tmp_path / "raw.jpg"
    export_evidence(project, rec.sha256, raw, actor="alice", keep_metadata=True)
    assert raw.read_bytes() == data
    actions = list(custody(project, rec.sha256)["action"])
    assert actions == ["add", "export", "export-with-metadata"]


def test_path_tricks_and_missing_files_are_refused(project, tmp_path):
    with pytest.raises(InputError):
        add_evidence(project, tmp_path / "nope.jpg", actor="a")
    with pytest.raises(InputError):
        export_evidence(project, "../" * 10 + "etc/passwd", tmp_path / "x", actor="a")
