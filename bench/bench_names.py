"""Benchmark of uncounted.names.name_keys: names per second, cold and warm caches.

Generates N realistic name records (default 1,000,000) from a pool of distinct people:
Russian, Ukrainian and Belarusian surnames and given names, rendered as Cyrillic
"Фамилия Имя Отчество", Latin transliterations in several systems (iuliia schemes),
"FAMILY, Given", initials, genitive forms, diminutives, and as separate fields.  People
repeat with a Zipf-like law, as in casualty lists compiled from overlapping sources.

Usage::

    .venv/bin/python bench/bench_names.py [--n 1000000] [--people 100000] [--seed 0]
    .venv/bin/python bench/bench_names.py --simulate 200000
    .venv/bin/python bench/bench_names.py --link 20000

Prints names/s for a cold run (all memo caches cleared) and a warm run.  With ``--simulate``
the records come from :func:`uncounted.simulate.records.generate_records` (five Gomel-style
sources written independently of this package, with known ``person_id``), and the script
also prints how often two records of the same person agree on the keys versus on the raw
name string, and how often records of different people agree by chance.  With ``--link``
the simulated records are linked by :func:`uncounted.link.link_records` twice, with the name
keys and with the raw-string baseline (``keyed=False``: same model structure), and the
clusters are scored against ``person_id``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import warnings

import numpy as np
import pandas as pd

STEMS = [
    "Иван", "Петр", "Сидор", "Кузнец", "Смирн", "Попов", "Соколов", "Лебедев", "Козл",
    "Новик", "Морозов", "Волков", "Соловь", "Васильев", "Зайцев", "Павлов", "Семен", "Голуб",
    "Виноградов", "Богдан", "Воробь", "Федор", "Михайл", "Беляев", "Тарас", "Белов",
    "Комаров", "Орлов", "Киселев", "Макар", "Андреев", "Ковал", "Ильин", "Гусев", "Титов",
    "Кузьмин", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степан", "Яковлев", "Сорокин",
    "Сергеев", "Романов", "Захаров", "Борисов", "Королев", "Герасимов", "Пономарев",
    "Григорьев", "Лазарев", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов", "Поляков",
    "Цветков", "Данилов", "Жуков", "Фролов", "Журавлев", "Николаев", "Крылов", "Максимов",
    "Сидоров", "Осипов", "Белоусов", "Федотов", "Дорофеев", "Егоров", "Матвеев", "Бобров",
]
UA = [
    "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
    "Коваль", "Поліщук", "Бондар", "Ткачук", "Марченко", "Мельник", "Мороз", "Лисенко",
    "Руденко", "Савченко", "Петренко", "Клименко", "Павленко", "Кравчук", "Левченко",
    "Харченко", "Карпенко", "Гаврилюк", "Ковальчук", "Романенко", "Мазур", "Іваненко",
    "Кушнір", "Приходько", "Гончаренко", "Ковальов", "Зінченко", "Сидоренко", "Юрченко",
]
BY = [
    "Іваноў", "Навіцкі", "Лукашэвіч", "Казлоў", "Каваленка", "Ермакоў", "Мельнікаў",
    "Карповіч", "Жук", "Гарбачоў", "Кавалёў", "Бандарэнка", "Шапавал", "Станкевіч",
]


def _surnames() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for s in STEMS:
        base = s if s.endswith(("ов", "ев", "ин")) else s + "ов"
        out.append((base, base + "а"))
    out += [(u, u) if u.endswith(("ко", "ук", "юк", "ар", "ир", "ик", "ур", "ль", "з"))
            else (u, u + "а") for u in UA]
    out += [(b, b) for b in BY]
    return out


def _people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    from uncounted.names.aliases import lexicon

    lex = lexicon()
    male = [g for g in lex.names if g.sex == "M"]
    female = [g for g in lex.names if g.sex == "F"]
    # the top of each list is frequent, the tail rare
    wm = 1.0 / np.arange(1, len(male) + 1) ** 1.1
    wf = 1.0 / np.arange(1, len(female) + 1) ** 1.1
    surn = _surnames()
    ws = 1.0 / np.arange(1, len(surn) + 1) ** 0.8
    sex = rng.random(n) < 0.85
    fam = rng.choice(len(surn), n, p=ws / ws.sum())
    gm = rng.choice(len(male), n, p=wm / wm.sum())
    gf = rng.choice(len(female), n, p=wf / wf.sum())
    father = rng.choice(len(male), n, p=wm / wm.sum())
    rows = []
    for i in range(n):
        m = bool(sex[i])
        s_m, s_f = surn[fam[i]]
        given = male[gm[i]].name if m else female[gf[i]].name
        fa = male[father[i]].name
        rows.append((s_m if m else s_f, given, _patronymic(fa, m), "M" if m else "F"))
    return pd.DataFrame(rows, columns=["family", "given", "patronymic", "sex"])


def _patronymic(father: str, male: bool) -> str:
    low = father
    if low.endswith("ий"):
        base, m, f = low[:-2], "ьевич", "ьевна"
    elif low.endswith(("ей", "ай")):
        base, m, f = low[:-1], "евич", "евна"
    elif low.endswith(("а", "я")):
        base, m, f = low[:-1], "ич", "ична"
    elif low.endswith("ь"):
        base, m, f = low[:-1], "евич", "евна"
    else:
        base, m, f = low, "ович", "овна"
    return base + (m if male else f)


def _render(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    import iuliia

    schemes = [iuliia.ICAO_DOC_9303, iuliia.BGN_PCGN, iuliia.GOST_779, iuliia.WIKIPEDIA,
               iuliia.MVD_782, iuliia.SCIENTIFIC]
    out_raw: list[str | None] = []
    out_f: list[str | None] = []
    out_g: list[str | None] = []
    out_p: list[str | None] = []
    out_s: list[str | None] = []
    styles = rng.integers(0, 8, len(people))
    sch = rng.integers(0, len(schemes), len(people))
    for (fam, giv, pat, sex), st, sc in zip(people.itertuples(index=False, name=None), styles,
                                           sch, strict=True):
        raw = f = g = p = None
        s: str | None = None
        if st == 0:
            raw = f"{fam} {giv} {pat}"
        elif st == 1:
            raw = f"{giv} {pat} {fam}"
        elif st == 2:
            sc_ = schemes[int(sc)]
            raw = f"{sc_.translate(fam).upper()}, {sc_.translate(giv)}"
        elif st == 3:
            sc_ = schemes[int(sc)]
            raw = f"{sc_.translate(giv)} {sc_.translate(fam)}"
        elif st == 4:
            raw = f"{fam} {giv[0]}.{pat[0]}."
        elif st == 5:
            f, g, p, s = fam, giv, pat, sex
        elif st == 6:
            f, g, s = fam.upper(), giv, sex
        else:
            raw = f"{fam} {giv}"
        out_raw.append(raw)
        out_f.append(f)
        out_g.append(g)
        out_p.append(p)
        out_s.append(s)
    return pd.DataFrame({"name_raw": out_raw, "family_name": out_f, "given_name": out_g,
                         "patronymic": out_p, "sex": out_s})


def _clear_caches() -> None:
    import functools

    import uncounted.names.aliases as a
    import uncounted.names.case as c
    import uncounted.names.keys as k
    import uncounted.names.parse as p
    import uncounted.names.phonetic as ph
    import uncounted.names.script as s

    for mod in (a, c, k, p, ph, s):
        for obj in vars(mod).values():
            if isinstance(obj, functools._lru_cache_wrapper) and obj.__name__ not in (
                "lexicon", "_analyzer", "_translator", "_metaphone", "_full_forms"
            ):
                obj.cache_clear()


def _timed(df: pd.DataFrame, warmup: pd.DataFrame) -> pd.DataFrame:
    from uncounted.names import name_keys

    name_keys(warmup)  # load dictionaries and lexicon outside the timing (once per process)
    _clear_caches()
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    out = name_keys(df)
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    name_keys(df)
    warm, warm_cpu = time.perf_counter() - t, time.process_time() - c
    # CPU time is printed too: on a shared machine wall time depends on other jobs
    print(f"cold: {cold:.2f}s wall  {len(df) / cold:,.0f} names/s  "
          f"(CPU {cold_cpu:.2f}s: {len(df) / cold_cpu:,.0f} names/s)")
    print(f"warm: {warm:.2f}s wall  {len(df) / warm:,.0f} names/s  "
          f"(CPU {warm_cpu:.2f}s: {len(df) / warm_cpu:,.0f} names/s)")
    return out


def _agreement(rec: pd.DataFrame, keys: pd.DataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = rec.name_raw.fillna(
        (rec.family_name.fillna("") + " " + rec.given_name.fillna("") + " "
         + rec.patronymic.fillna("")).str.strip()).str.lower().to_numpy(dtype=object)
    groups = pd.Series(np.arange(len(rec))).groupby(rec.person_id.to_numpy()).indices
    pairs = [rng.choice(ix, 2, replace=False) for ix in groups.values() if len(ix) > 1]
    if not pairs:
        print("no person has two records")
        return
    pa = np.array(pairs)
    a, b = pa[:, 0], pa[:, 1]

    def agree(col: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        x = keys[col].to_numpy(dtype=object)
        return np.array([u == v and isinstance(u, str) for u, v in zip(x[i], x[j], strict=True)])

    fam = agree("family_key", a, b)
    ph = agree("family_phonetic", a, b)
    giv = agree("given_key", a, b)
    al = keys.given_aliases.to_numpy(dtype=object)
    gk = keys.given_key.to_numpy(dtype=object)
    alias = np.array([isinstance(gk[i], str) and (gk[i] in al[j] or gk[j] in al[i])
                      for i, j in zip(a, b, strict=True)])
    print(f"same-person record pairs: {len(a):,}")
    print(f"  raw name string equal (lower-cased): {np.mean(raw[a] == raw[b]):.3f}")
    print(f"  family_key equal: {fam.mean():.3f}; family_key or phonetic: {(fam | ph).mean():.3f}")
    print(f"  given_key equal: {giv.mean():.3f}; given alias match: {alias.mean():.3f} "
          f"(pairs where both have a given name: {np.mean([isinstance(gk[i], str) and isinstance(gk[j], str) for i, j in zip(a, b, strict=True)]):.3f})")
    print(f"  family and given (alias) agree: {((fam | ph) & alias).mean():.3f}")
    i = rng.integers(0, len(rec), 200_000)
    j = rng.integers(0, len(rec), 200_000)
    diff = rec.person_id.to_numpy()[i] != rec.person_id.to_numpy()[j]
    f2 = agree("family_key", i, j) & diff
    g2 = agree("given_key", i, j) & diff
    print(f"random different-person pairs: family_key equal {f2.sum() / diff.sum():.4f}; "
          f"family and given equal {(f2 & g2).sum() / diff.sum():.5f}")


def _link_comparison(n: int, seed: int) -> None:
    from uncounted.link.api import link_records
    from uncounted.link.evaluate import cluster_accuracy
    from uncounted.link.settings import LinkSettings
    from uncounted.simulate.records import generate_records

    rec = generate_records(n, seed=seed)
    rec["record_uid"] = np.arange(len(rec))
    settings = LinkSettings(u_max_pairs=2e5, max_iterations=10)
    for keyed in (True, False):
        t = time.perf_counter()
        res = link_records(rec, settings=settings, keyed=keyed)
        cl = res.clusters.set_index("record_uid").cluster_id.reindex(rec.record_uid)
        acc = cluster_accuracy(cl.to_numpy(), rec.person_id.to_numpy()).as_dict()
        print(f"{'name keys' if keyed else 'raw strings'}: {time.perf_counter() - t:.1f}s  "
              f"pairwise P {acc['pairwise_precision']:.3f} R {acc['pairwise_recall']:.3f} "
              f"F1 {acc['pairwise_f1']:.3f}; B-cubed F1 {acc['bcubed_f1']:.3f}; "
              f"{acc['n_pred_clusters']:,} clusters for {acc['n_true_clusters']:,} people")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--simulate", type=int, default=0,
                    help="use N records from uncounted.simulate instead of the built-in pool")
    ap.add_argument("--link", type=int, default=0,
                    help="link N simulated records with the keys and with raw strings")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", DeprecationWarning)
    if args.link:
        _link_comparison(args.link, args.seed if args.seed else 7)
        return 0
    if args.simulate:
        from uncounted.simulate.records import generate_records

        t0 = time.perf_counter()
        rec = generate_records(args.simulate, seed=args.seed)
        print(f"simulated {len(rec):,} records ({rec.person_id.nunique():,} people) in "
              f"{time.perf_counter() - t0:.1f}s")
        keys = _timed(rec, rec.head(50))
        _agreement(rec, keys, args.seed)
        return 0

    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    people = _people(args.people, rng)
    pool = _render(people, rng)
    w = 1.0 / np.arange(1, len(pool) + 1) ** 0.6
    idx = rng.choice(len(pool), args.n, p=w / w.sum())
    df = pool.iloc[idx].reset_index(drop=True)
    gen = time.perf_counter() - t0
    distinct = df.drop_duplicates().shape[0]
    print(f"generated {len(df):,} records ({distinct:,} distinct rows, {args.people:,} people)"
          f" in {gen:.1f}s")
    out = _timed(df, pool.head(50))
    print(f"family_key null: {out.family_key.isna().mean():.3%}; "
          f"given_key null: {out.given_key.isna().mean():.3%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
