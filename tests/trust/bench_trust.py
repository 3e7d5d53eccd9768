"""Figures for docs/benchmarks-trust.md (not a test: prints timings).

    PYTHONPATH=src .venv/bin/python -m tests.trust.bench_trust
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from uncounted.store import Store, audit, now
from uncounted.store.audit import verify
from uncounted.store.crypto import DEFAULT_SCRYPT_N, KeyRing
from uncounted.store.redact import export_redacted
from uncounted.store.safe_export import check_xlsx_safe, write_xlsx_safe
from uncounted.store.sensitive import SensitiveStore

from .helpers import add_records


def _t(label: str, fn, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    dt = (time.perf_counter() - t0) / n
    print(f"{label:55s} {dt * 1000:9.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        ring: list[KeyRing] = []
        _t(f"KeyRing.create, scrypt N=2**{DEFAULT_SCRYPT_N.bit_length() - 1}",
           lambda: ring.append(KeyRing.create(d / "p", passphrase="five random words here ok")))
        _t("KeyRing.from_passphrase (unlock)",
           lambda: KeyRing.from_passphrase(d / "p", "five random words here ok"))
        store = Store.for_project(d / "p")
        ss = SensitiveStore(store, ring[0])
        _t("SensitiveStore.put x200 (one audited transaction each)",
           lambda: [ss.put("source", str(i), "contact", f"+380 67 {i:07d}") for i in range(200)])
        _t("SensitiveStore.put_many 10,000 (one transaction)",
           lambda: ss.put_many([("witness", str(i), "name", f"Имя {i}") for i in range(10000)]))
        _t("SensitiveStore.get x200",
           lambda: [ss.get("source", str(i), "contact") for i in range(200)])
        _t("audit.verify with key (200+ entries)", lambda: verify(store.con, key=ring[0].audit_key))

        def many() -> None:
            with store.transaction() as con:
                for i in range(10000):
                    audit.append(con, "bench", "bench.step", str(i), {"i": i}, now(),
                                 anchor_key=ring[0].audit_key)

        _t("audit.append x10,000 with key (one transaction)", many)
        _t("audit.verify with key (10,000+ entries)",
           lambda: verify(store.con, key=ring[0].audit_key))
        add_records(store, [{"name_raw": f"Фамилия{i} Имя{i % 300}", "family_name": f"Фамилия{i}",
                             "given_name": f"Имя{i % 300}", "birth_year": 1970 + i % 40}
                            for i in range(20000)])
        _t("export_redacted 20,000 records (CSV + DuckDB copy)",
           lambda: export_redacted(store, d / "share", key=ring[0].pseudonym_key))
        x = d / "big.xlsx"
        write_xlsx_safe(x, ["a", "b", "c"], [[i, f"name {i}", "place"] for i in range(50000)])
        data = x.read_bytes()
        rep = check_xlsx_safe(io.BytesIO(data))
        _t(f"check_xlsx_safe {len(data) >> 10} KiB -> {rep.uncompressed_bytes >> 10} KiB",
           lambda: check_xlsx_safe(io.BytesIO(data)), n=3)
        _t("check_xlsx_safe, central directory only",
           lambda: check_xlsx_safe(io.BytesIO(data), scan_content=False), n=3)
        store.close()


if __name__ == "__main__":
    main()
