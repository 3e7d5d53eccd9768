"""Ingest benchmark: rows per second and peak memory on a generated CSV.

Usage::

    python bench/bench_ingest.py                  # 250,000 and 1,000,000 rows, each in a fresh process
    python bench/bench_ingest.py --rows 100000    # one size
    python bench/bench_ingest.py --rows 100000 --tracemalloc

``--duckdb-memory 256MB`` caps DuckDB's buffer pool (its staging and index pages then spill to
disk); without it DuckDB keeps pages in memory up to its default limit (80 % of RAM), so the
process RSS grows with the file although the Python side stays flat.

Each size runs in its own process twice: once plain (rows/second by the wall clock and per
CPU-second, which is steadier on a shared machine; ``ru_maxrss``) and once under
:mod:`tracemalloc` (peak Python allocations; tracemalloc slows Python down, so its time is not
reported as throughput).  Bounded memory shows as a peak that does not grow with the file:
the ingest streams rows and appends Arrow batches of ``--batch`` rows to DuckDB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Ковальчук", "Шевченко", "Новиков",
            "Мельник", "Бондаренко", "Ткаченко", "Козлов", "Лебедев", "Соколов", "Морозов"]
GIVEN = ["Иван", "Пётр", "Олег", "Андрей", "Сергей", "Дмитрий", "Алексей", "Николай", "Юрий",
         "Анна", "Мария", "Ольга"]
PATR = ["Иванович", "Петрович", "Олегович", "Сергеевич", "Андреевич", "Юрьевич"]
STATUS = ["убит", "ранен", "груз 200", "KIA", "умер от ран", "пропал без вести", "груз 300"]
PLACES = ["Гомель", "Мозырь", "Речица", "Калинковичи", "Наровля", "Ельск"]
UNITS = ["в/ч 12345", "в/ч 54321", "1-я бригада", "2-й батальон", ""]
HEADER = ["№", "ФИО", "Пол", "Дата рождения", "Возраст", "Дата", "Статус", "Место",
          "Часть", "Регион", "Примечание"]
MAPPING = {
    "mapping_version": "1",
    "format": {"type": "csv", "encoding": "utf-8", "delimiter": ";"},
    "id_column": "№",
    "default_year": 2022,
    "fields": {
        "sex": {"column": "Пол"},
        "birth_date": {"column": "Дата рождения"},
        "age": {"column": "Возраст", "type": "int"},
        "event_date": {"column": "Дата", "formats": ["%d.%m.%Y", "d month_ru"]},
        "event_type": {"column": "Статус"},
        "place": {"column": "Место"},
        "unit": {"column": "Часть"},
        "home_region": {"column": "Регион"},
        "free_text": {"column": "Примечание"},
    },
    "split": {"column": "ФИО", "into": ["family_name", "given_name", "patronymic"]},
}


def generate(path: Path, n: int, seed: int = 2022) -> int:
    """Write ``n`` data rows (about 2 % bad) and return the number of bad rows written."""
    rng = random.Random(seed)
    bad = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Список потерь (сгенерирован для бенчмарка)\n")
        fh.write(";".join(HEADER) + "\n")
        for i in range(1, n + 1):
            day = rng.randint(1, 31)
            r = rng.random()
            date = f"{day:02d}.03.2022" if r > 0.1 else f"{day} марта"
            age = str(rng.randint(18, 60))
            if r < 0.005:
                age = "-3"
                bad += 1
            elif r < 0.01:
                date = "31.02.2022"
                bad += 1
            fio = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {rng.choice(PATR)}"
            born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{2022 - int(age) if age != '-3' else 1990}" \
                if rng.random() < 0.5 else ""
            cells = [str(i), fio, rng.choice("МЖ"), born, age, date, rng.choice(STATUS),
                     rng.choice(PLACES), rng.choice(UNITS), "Гомельская обл.",
                     '"по данным ""морга"""' if rng.random() < 0.05 else ""]
            if 0.01 <= r < 0.015:
                cells = cells[:7]
                bad += 1
            if i % 100_000 == 0:
                fh.write(";".join(HEADER) + "\n")
                bad += 1
            fh.write(";".join(cells) + "\n")
        fh.write(f"Итого;{n};;;;;;;;;\n")
    return bad + 2  # + title line + totals row


def run_one(n: int, batch: int, trace: bool, duckdb_memory: str | None) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from uncounted.ingest import ingest_file
    from uncounted.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "list.csv"
        t = time.perf_counter()
        n_bad = generate(csv_path, n)
        gen_s = time.perf_counter() - t
        size_mb = csv_path.stat().st_size / 1e6
        store = Store(Path(tmp) / "db" / "uncounted.duckdb")
        if duckdb_memory:
            store.con.execute(f"SET memory_limit = '{duckdb_memory}'")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if trace:
            import tracemalloc
            tracemalloc.start()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        rep = ingest_file(store, csv_path, source="bench", mapping=MAPPING, batch_size=batch)
        secs = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
        peak_py = 0.0
        if trace:
            import tracemalloc
            peak_py = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        store.close()
        assert rep.n_accepted + rep.n_quarantined == rep.n_rows
        assert rep.n_quarantined == n_bad, (rep.n_quarantined, n_bad, rep.reasons)
    return {"rows": n, "file_mb": round(size_mb, 1), "generate_s": round(gen_s, 1),
            "ingest_s": round(secs, 1), "rows_per_s": round(rep.n_rows / secs),
            "cpu_s": round(cpu, 1), "rows_per_cpu_s": round(rep.n_rows / cpu),
            "accepted": rep.n_accepted, "quarantined": rep.n_quarantined,
            "maxrss_mb_before": round(rss_before), "maxrss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "tracemalloc_peak_mb": round(peak_py, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[250_000, 1_000_000])
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--duckdb-memory", default=None,
                    help="DuckDB memory_limit for the store, e.g. 256MB (default: DuckDB's own)")
    ap.add_argument("--tracemalloc", action="store_true", help="(internal) one traced run")
    ap.add_argument("--child", action="store_true", help="(internal) run in this process")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.rows[0], args.batch, args.tracemalloc, args.duckdb_memory)))
        return
    print(f"python {sys.version.split()[0]}, batch {args.batch}, duckdb memory_limit "
          f"{args.duckdb_memory or 'default'}, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print(f"{'rows':>9} {'MB':>6} {'ingest s':>9} {'rows/s':>8} {'CPU s':>6} {'rows/CPU s':>10} "
          f"{'accepted':>9} {'quar.':>6} {'maxrss MB':>9} {'py peak MB':>10}")
    for n in args.rows:
        res = {}
        for trace in (False, True):
            cmd = [sys.executable, __file__, "--child", "--rows", str(n), "--batch", str(args.batch)]
            if args.duckdb_memory:
                cmd += ["--duckdb-memory", args.duckdb_memory]
            if trace:
                cmd.append("--tracemalloc")
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            res[trace] = json.loads(out.strip().splitlines()[-1])
        a, b = res[False], res[True]
        print(f"{n:>9} {a['file_mb']:>6} {a['ingest_s']:>9} {a['rows_per_s']:>8} "
              f"{a['cpu_s']:>6} {a['rows_per_cpu_s']:>10} {a['accepted']:>9} {a['quarantined']:>6} {a['maxrss_mb']:>9} "
              f"{b['tracemalloc_peak_mb']:>10}", flush=True)


if __name__ == "__main__":
    main()
