"""A tiny stand-in for uncounted.names.name_keys and a toy record generator (tests only).

The linkage tests must not depend on the exact behaviour of the names step, so they feed
records that already carry name keys computed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILIES = ["ivanov", "petrov", "sidorov", "smirnov", "kuznetsov", "popov", "vasilev",
            "sokolov", "mikhailov", "novikov", "fedorov", "morozov", "volkov", "alekseev",
            "lebedev", "semenov", "egorov", "pavlov", "kozlov", "stepanov", "nikolaev",
            "orlov", "andreev", "makarov", "nikitin", "zakharov", "zaitsev", "solovev",
            "borisov", "yakovlev", "grigorev", "romanov", "vorobev", "sergeev", "kuzmin",
            "frolov", "aleksandrov", "dmitriev", "korolev", "gusev", "kiselev", "ilin",
            "maksimov", "polyakov", "sorokin", "vinogradov", "kovalev", "belov", "medvedev",
            "antonov", "tarasov", "zhukov", "baranov", "filippov", "komarov", "davydov"]
GIVEN = ["aleksandr", "sergei", "dmitrii", "andrei", "aleksei", "maksim", "evgenii",
         "ivan", "mikhail", "artem", "nikolai", "vladimir", "denis", "pavel", "roman",
         "anton", "oleg", "igor", "viktor", "iurii"]
ALIAS = {"aleksandr": ["sasha", "shura"], "dmitrii": ["dima"], "aleksei": ["alesha"],
         "mikhail": ["misha"], "nikolai": ["kolia"], "vladimir": ["volodia"]}
UNITS = ["5 otbr", "37 omsbr", "36 oa", "64 omsbr", "103 ovtb", "11 odshbr"]
REGIONS = ["buriatiia", "zabaikalskii", "primorskii", "khabarovskii", "amurskaia"]


def phon(s: str | None) -> str | None:
    if not isinstance(s, str) or not s:
        return None
    out = s[0] + "".join(c for c in s[1:] if c not in "aeiouy")
    return out[:5]


def name_keys_standin(df: pd.DataFrame) -> pd.DataFrame:
    fam = df["family_name"].map(lambda v: v.lower() if isinstance(v, str) else None)
    giv = df["given_name"].map(lambda v: v.lower() if isinstance(v, str) else None)
    canon = {a: k for k, vs in ALIAS.items() for a in vs}
    gkey = giv.map(lambda v: canon.get(v, v) if isinstance(v, str) else None)
    aliases = gkey.map(lambda v: [v, *ALIAS.get(v, [])] if isinstance(v, str) else None)
    pat = df["patronymic"].map(lambda v: v.lower()[:6] if isinstance(v, str) else None)
    return pd.DataFrame({
        "family_key": fam, "family_phonetic": fam.map(phon), "given_key": gkey,
        "given_aliases": aliases, "patronymic_key": pat,
        "initials": gkey.map(lambda v: v[0] if isinstance(v, str) else None),
        "sex_inferred": ["M"] * len(df), "name_order_ok": [True] * len(df),
    })


def _typo(rng: np.random.Generator, s: str) -> str:
    if len(s) < 4:
        return s
    i = int(rng.integers(1, len(s) - 1))
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def toy_records(n_people: int = 300, n_sources: int = 4, seed: int = 1) -> pd.DataFrame:
    """Records of ``n_people`` soldiers on up to ``n_sources`` lists with noise; truth in person_id."""
    rng = np.random.default_rng(seed)
    rows = []
    uid = 1
    for p in range(n_people):
        fam = FAMILIES[int(rng.zipf(1.3)) % len(FAMILIES)]
        giv = GIVEN[int(rng.integers(len(GIVEN)))]
        pat = GIVEN[int(rng.integers(len(GIVEN)))] + "ovich"
        bd = pd.Timestamp("1980-01-01") + pd.Timedelta(days=int(rng.integers(0, 9000)))
        ev = pd.Timestamp("2022-02-24") + pd.Timedelta(days=int(rng.integers(0, 40)))
        unit = UNITS[int(rng.integers(len(UNITS)))]
        region = REGIONS[int(rng.integers(len(REGIONS)))]
        for s in range(n_sources):
            if rng.random() > 0.55:
                continue
            f = _typo(rng, fam) if rng.random() < 0.1 else fam
            g = giv
            if giv in ALIAS and rng.random() < 0.3:
                g = ALIAS[giv][0]
            has_dob = rng.random() < 0.6
            age = (ev - bd).days // 365
            e = ev + pd.Timedelta(days=int(rng.integers(-1, 2))) if rng.random() < 0.3 else ev
            rows.append({
                "record_uid": uid, "source": f"S{s}", "record_id": f"r{uid}",
                "name_raw": f"{f} {g}", "family_name": f.capitalize(), "given_name": g.capitalize(),
                "patronymic": pat.capitalize() if rng.random() < 0.5 else None,
                "sex": "M", "birth_date": bd if has_dob else None,
                "birth_precision": "day" if has_dob else None,
                "age": None if has_dob else age, "event_type": "killed",
                "event_date": e, "event_date_end": e, "event_date_precision": "day",
                "unit": unit if rng.random() < 0.7 else None,
                "home_region": region if rng.random() < 0.6 else None,
                "place": None, "person_id": p,
            })
            uid += 1
    return pd.DataFrame(rows)
