"""Small builders shared by the trust tests: records in a store, hand-made zip archives."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from uncounted.store import Store, now


def add_records(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert minimal canonical records (one transaction)."""
    with store.transaction() as con:
        for i, r in enumerate(rows):
            uid = store.next_id("seq_record")
            base: dict[str, Any] = {
                "record_uid": uid, "source": r.get("source", "A"),
                "record_id": r.get("record_id", f"L{i + 2}"), "ingest_id": 1,
                "file_sha256": "f" * 64, "line_no": i + 2, "ingested_at": now(),
                "event_type": "killed", "event_date": date(2023, 5, 1),
            }
            base.update(r)
            cols = ", ".join(base)
            con.execute(f"INSERT INTO records ({cols}) VALUES ({', '.join('?' * len(base))})",
                        list(base.values()))
        store.audit("test.records", None, {"n": len(rows)})


@dataclass
class Member:
    name: str
    data: bytes
    method: int = 8            # 8 deflate, 0 stored
    declared_size: int | None = None  # lie about the uncompressed size
    same_data_as: int | None = None   # central-directory entry pointing at another member's data


def make_zip(members: list[Member]) -> bytes:
    """Build a zip archive by hand, so tests can craft what zipfile would refuse to write."""
    out = bytearray()
    offsets: list[int] = []
    meta: list[tuple[int, int, int, int]] = []  # crc, csize, usize, method
    for m in members:
        if m.same_data_as is not None:
            offsets.append(offsets[m.same_data_as])
            meta.append(meta[m.same_data_as])
            continue
        if m.method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp = c.compress(m.data) + c.flush()
        else:
            comp = m.data
        crc = zlib.crc32(m.data)
        usize = len(m.data) if m.declared_size is None else m.declared_size
        name = m.name.encode()
        offsets.append(len(out))
        meta.append((crc, len(comp), usize, m.method))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 0x21, crc, len(comp),
                           usize, len(name), 0) + name + comp
    cd_start = len(out)
    for m, off, (crc, csize, usize, method) in zip(members, offsets, meta, strict=True):
        name = m.name.encode()
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                           csize, usize, len(name), 0, 0, 0, 0, 0, off) + name
    cd_size = len(out) - cd_start
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), cd_size,
                       cd_start, 0)
    return bytes(out)


CONTENT_TYPES = Member("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
