"""Millions of canonical person records with cross-script noise, for the linkage benchmark.

:func:`generate_records` draws a population (:func:`uncounted.simulate.generate_people`),
assigns each record to a person (people with a higher latent visibility get more records, so
the number of records per person is over-dispersed, as in real lists) and to one of the five
Gomel sources, and writes each record the way that source writes names, dates and places — the
same habits as :mod:`uncounted.simulate.lists`, but vectorised with numpy so that a million
records take well under a minute:

==========  =====================================================================================
source      how it writes a person
==========  =====================================================================================
xray        Cyrillic surname and given name *in separate columns*, age (4% off by one), X-ray
            date, hospital town; no patronymic; 8% upper case; 3% no given name
morgue      Cyrillic "Ф И О" in one column, 60% in the genitive case, sex, date of birth (90%),
            age, date of death, unit number (50%)
ngo         ICAO Doc 9303 Latin "FAMILY, Given Patronymic" (25% without patronymic), ISO date
            of birth (45%) or year (20%), unit, home region in Latin
media       "Given Family" (15% swapped), 30% in English (Wikipedia romanisation), 45% of given
            names as diminutives (Саша, Sasha), age exact or rounded to 5, home town
monitor     mixed: Cyrillic full name, initials ("Иванов А.П."), BGN/PCGN Latin, Belarusian
            passport Latin ("Aliaksandr Ivanou"), surname only; unit; place in four spellings
==========  =====================================================================================

Every source also makes typos (one edit in 4% of surnames, 2% of given names; Damerau 1964)
and mostly writes ё as е.  The truth is the column ``person_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError
from uncounted.simulate._arrays import where
from uncounted.simulate.forms import (
    belarusian_latin,
    genitive_given,
    genitive_patronymic,
    genitive_surname,
    romanise,
    to_belarusian_surname,
    typo,
)
from uncounted.simulate.lexicon import load_lexicon
from uncounted.simulate.lists import LIST_NAMES
from uncounted.simulate.people import generate_people

__all__ = ["RECORD_COLUMNS", "generate_records"]

logger = logging.getLogger(__name__)

RECORD_COLUMNS = ("source", "record_id", "name_raw", "family_name", "given_name", "patronymic",
                  "sex", "birth_date", "birth_year", "age", "event_type", "event_date", "place",
                  "unit", "home_region", "person_id")

#: Relative chance of each source recording a person, by event type (0: cannot record).
_SOURCE_WEIGHTS = {
    "wounded": (0.40, 0.00, 0.22, 0.18, 0.20),
    "killed": (0.00, 0.35, 0.25, 0.25, 0.15),
    "died_of_wounds": (0.25, 0.25, 0.20, 0.15, 0.15),
}
_PLACES = {
    "Мозырь": ("Мозырь", "Мазыр", "Mozyr", "Mazyr"),
    "Гомель": ("Гомель", "Гомель", "Gomel", "Homiel"),
    "Наровля": ("Наровля", "Нароўля", "Narovlya", "Naroulia"),
    "Речица": ("Речица", "Рэчыца", "Rechitsa", "Rechytsa"),
}


#: Days each list's dates may follow the event (``LinkSettings.date_lags``): the X-ray
#: register dates the admission, 0-2 days after the wounding (its follow-up images, 8% of its
#: records, come later still).  The other lists date the wounding or the death itself.
DATE_LAGS: dict[str, int] = {"xray": 2}

#: Within-source duplicate rates (a person written twice by the same list).
_DUPLICATE_RATES = (0.08, 0.03, 0.02, 0.05, 0.06)
#: Loading of the capture probabilities on the latent visibility (log scale).
_VISIBILITY_LOADING = 0.6


def _assign_records(people: pd.DataFrame, n: int, people_per_record: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw who each record is and which source wrote it.

    Each source records each person independently given their visibility, with probability
    ``min(0.95, c * w_s(event type) * exp(0.6 v))``; ``c`` is set so that the expected number
    of records (with within-source duplicates) is 10% above ``n``, and a random ``n`` of the
    drawn records are kept.  Records per person are therefore over-dispersed, within-source
    duplicates stay at their realistic rates, and killed people never reach the X-ray list
    nor the wounded the morgue.
    """
    et = people["event_type"].to_numpy()
    base = np.zeros((len(people), len(LIST_NAMES)))
    for e, wts in _SOURCE_WEIGHTS.items():
        base[et == e] = np.array(wts) / max(wts)
    vis = np.exp(_VISIBILITY_LOADING * people["visibility"].to_numpy())
    base *= (vis / vis.mean())[:, None]
    dup = np.array(_DUPLICATE_RATES)
    target = 1.1 * n
    c = target / (base * (1 + dup)).sum()
    for _ in range(30):  # fixed point for the clipping at 0.95
        got = (np.minimum(0.95, c * base) * (1 + dup)).sum()
        if got >= target or c * base.min(initial=1.0) >= 0.95:
            break
        c *= target / got
    prob = np.minimum(0.95, c * base)
    for _ in range(5):
        cap = rng.random(prob.shape) < prob
        dups = cap & (rng.random(prob.shape) < dup)
        person = np.concatenate([np.nonzero(cap)[0], np.nonzero(dups)[0]])
        source = np.concatenate([np.nonzero(cap)[1], np.nonzero(dups)[1]])
        if len(person) >= n:
            break
        prob = np.minimum(0.99, prob * 1.2)
    else:  # pragma: no cover - only for absurd people_per_record
        raise InputError(f"cannot draw {n} records from {len(people)} people; raise "
                         "people_per_record.")
    keep = np.sort(rng.choice(len(person), size=n, replace=False))
    person, source = person[keep], source[keep]
    order = np.argsort(person, kind="stable")
    return person[order], np.array(LIST_NAMES, dtype=object)[source[order]]


def _map_unique(values: np.ndarray, fn: Callable[[str], Any]) -> np.ndarray:
    """Apply ``fn`` once per distinct value (names repeat a lot)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return mapped[codes]


def _no_yo(a: np.ndarray) -> np.ndarray:
    return _map_unique(a, lambda s: s.replace("ё", "е").replace("Ё", "Е"))


def _join(*parts: np.ndarray, sep: str = " ") -> np.ndarray:
    """Join string arrays element-wise, skipping empty or missing parts."""
    cols = [np.where(pd.isna(p), "", p).tolist() for p in parts]
    return np.array([sep.join(x for x in t if x) for t in zip(*cols, strict=True)],
                    dtype=object)


def _upper(a: np.ndarray) -> np.ndarray:
    return np.array([x.upper() if isinstance(x, str) else x for x in a], dtype=object)


def _initial(a: np.ndarray) -> np.ndarray:
    return np.array([x[:1] + "." if isinstance(x, str) and x else "" for x in a], dtype=object)


def _apply_typos(a: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = a.copy()
    for i in np.flatnonzero(mask):
        if isinstance(out[i], str):
            out[i] = typo(out[i], rng)
    return out


def generate_records(n_records: int, seed: int = 0, *, people_per_record: float = 0.5,
                     typo_rate: float = 0.04, noise: float = 1.0) -> pd.DataFrame:
    """Generate ``n_records`` canonical-schema records with known truth.

    Parameters
    ----------
    n_records : int
        Number of records (>= 1).
    seed : int
        Same seed, same records.
    people_per_record : float
        Size of the drawn population relative to ``n_records`` (0.5: 500,000 people for a
        million records; people drawn but never recorded do not appear).
    typo_rate : float
        Share of surnames with one typing error (given names get half of it).
    noise : float
        Multiplier (0-3) of the *damage* rates: missing given names and patronymics, initials
        and surname-only records in the monitoring list, missing event dates, ages off by one,
        and the typo rate.  Scripts, case forms and diminutives are unaffected: ``noise=0``
        still gives cross-script records, but complete and without typos.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RECORD_COLUMNS`: the canonical record (docs/architecture.md) plus the
        truth ``person_id``.  ``record_id`` is unique within each source; dates are
        ``datetime64``; ``age`` and ``birth_year`` are nullable integers.

    Raises
    ------
    InputError
        If ``n_records`` is not positive or the rates are out of range.
    """
    if not isinstance(n_records, int | np.integer) or n_records < 1:
        raise InputError(f"n_records must be a positive integer; got {n_records!r}.")
    if not 0 < people_per_record <= 10 or not 0 <= typo_rate <= 1 or not 0 <= noise <= 3:
        raise InputError("people_per_record must be in (0, 10], typo_rate in [0, 1] and noise "
                         f"in [0, 3]; got {people_per_record!r}, {typo_rate!r}, {noise!r}.")
    typo_rate = min(1.0, typo_rate * noise)
    n_people = max(1, int(round(n_records * people_per_record)))
    people = generate_people(n_people, seed)
    lex = load_lexicon()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1_000_003]))
    n = n_records

    pi, src = _assign_records(people, n, people_per_record, rng)
    P = {c: people[c].to_numpy()[pi] for c in (
        "person_id", "family_name", "given_name", "patronymic", "sex", "event_type",
        "facility_town", "home_region", "home_town", "unit_abbr", "unit_number", "hospital")}
    birth = people["birth_date"].to_numpy()[pi]
    event = people["event_date"].to_numpy()[pi]
    admission = people["admission_date"].to_numpy()[pi]
    death = people["death_date"].to_numpy()[pi]

    is_ = {s: src == s for s in LIST_NAMES}
    u = rng.random((12, n))

    keep_yo = u[0] < 0.2
    fam = np.where(keep_yo, P["family_name"], _no_yo(P["family_name"]))
    giv = np.where(keep_yo, P["given_name"], _no_yo(P["given_name"]))
    pat = np.where(keep_yo, P["patronymic"], _no_yo(P["patronymic"]))
    sex = P["sex"]

    # diminutives (media)
    gidx = {g: k for k, g in enumerate(lex.given)}
    dims = [lex.diminutives[gidx[g]] for g in lex.given]
    code = np.array([gidx[g] for g in lex.given], dtype=np.int64)
    given_code = _map_unique(P["given_name"], lambda g: gidx[g]).astype(np.int64)
    n_dims = np.array([len(d) for d in dims])[given_code]
    pick = (u[1] * np.maximum(n_dims, 1)).astype(int)
    dim_table = {(c, j): dims[c][j] for c in code for j in range(len(dims[c]))}
    use_dim = is_["media"] & (u[2] < 0.45) & (n_dims > 0)
    giv = giv.copy()
    giv[use_dim] = [dim_table[(c, j)] for c, j in zip(given_code[use_dim], pick[use_dim],
                                                      strict=True)]

    # typos
    fam = _apply_typos(fam, u[3] < typo_rate, rng)
    giv = _apply_typos(giv, u[4] < typo_rate / 2, rng)

    # genitive (morgue, 60%)
    gen = is_["morgue"] & (u[5] < 0.6)
    fam_key = fam[gen] + "|" + sex[gen]
    giv_key = giv[gen] + "|" + sex[gen]
    fam = fam.copy()
    pat = pat.copy()
    fam[gen] = _map_unique(fam_key, lambda k: genitive_surname(*k.rsplit("|", 1)))
    giv[gen] = _map_unique(giv_key, lambda k: genitive_given(*k.rsplit("|", 1)))
    pat[gen] = _map_unique(pat[gen], genitive_patronymic)

    # scripts
    english = is_["media"] & (u[6] < 0.3)
    style_p = np.array([0.0, 0.20 * noise, 0.15, 0.15, 0.15 * noise, 0.05])
    style_p[1:] *= min(1.0, 0.9 / style_p[1:].sum())  # keep at least 10% full names
    style_p[0] = 1.0 - style_p[1:].sum()
    mon_style = np.searchsorted(np.cumsum(style_p), u[7])
    mon_style = np.where(is_["monitor"], mon_style, -1)
    latin = {}
    for scheme, mask in (("icao", is_["ngo"]), ("wikipedia", english),
                         ("bgn", mon_style == 2)):
        latin[scheme] = mask
        to_latin = partial(romanise, scheme=scheme)
        fam[mask] = _map_unique(fam[mask], to_latin)
        giv[mask] = _map_unique(giv[mask], to_latin)
        pat[mask] = _map_unique(pat[mask], to_latin)
    by = mon_style == 3
    bel_given = dict(zip(lex.given, lex.belarusian, strict=True))
    giv[by] = _map_unique(P["given_name"][by], lambda g: belarusian_latin(bel_given[g]))
    fam[by] = _map_unique(fam[by], lambda s: belarusian_latin(to_belarusian_surname(s)))

    # missing parts
    pat = np.where(is_["xray"] | (is_["media"]) | (is_["ngo"] & (u[8] < 0.25 * noise))
                   | (is_["morgue"] & (u[8] < 0.08 * noise)) | np.isin(mon_style, (2, 3, 4, 5)),
                   "", pat)
    giv = np.where((is_["xray"] & (u[8] < 0.03 * noise)) | (mon_style == 4), "", giv)
    initials = mon_style == 1
    upper = (is_["xray"] & (u[9] < 0.08)) | (is_["morgue"] & (u[9] < 0.12))

    # name_raw per source style (each style built only on its own rows)
    name_raw = np.empty(n, dtype=object)
    swap = is_["media"] & (u[10] < 0.15)
    styles = (
        (~(is_["ngo"] | (is_["media"] & ~swap) | initials | by), lambda m: _join(
            fam[m], giv[m], pat[m])),
        (is_["ngo"], lambda m: _join(_upper(fam[m]), _join(giv[m], pat[m]), sep=", ")),
        ((is_["media"] & ~swap) | by, lambda m: _join(giv[m], fam[m])),
        (initials, lambda m: _join(fam[m], _join(_initial(giv[m]), _initial(pat[m]), sep=""))),
    )
    for mask, build in styles:
        name_raw[mask] = build(mask)
    name_raw[upper] = _upper(name_raw[upper])

    sep = is_["xray"]
    fam_sep = np.where(upper, _upper(fam), fam)
    giv_sep = np.where(upper, _upper(giv), giv)
    cols: dict[str, object] = {
        "source": src,
        "name_raw": name_raw,
        "family_name": where(sep, fam_sep, None),
        "given_name": where(sep & (giv != ""), giv_sep, None),
        "patronymic": np.full(n, None, dtype=object),
        "sex": np.where(is_["morgue"], sex, None),
    }

    # dates of birth
    bd = pd.DatetimeIndex(birth)
    full_dob = (is_["morgue"] & (u[11] < 0.9)) | (is_["ngo"] & (u[11] < 0.45))
    year_dob = is_["ngo"] & (u[11] >= 0.45) & (u[11] < 0.65)
    cols["birth_date"] = bd.where(full_dob).astype("datetime64[us]")
    cols["birth_year"] = pd.array(np.where(full_dob | year_dob, bd.year, -1), dtype="Int64")
    cols["birth_year"][~(full_dob | year_dob)] = pd.NA  # type: ignore[index]

    # event dates by source
    ev = pd.DatetimeIndex(event)
    adm = pd.DatetimeIndex(admission)
    dth = pd.DatetimeIndex(death)
    et = P["event_type"]
    followup = pd.to_timedelta(np.where(rng.random(n) < 0.08, rng.integers(1, 12, n), 0),
                               unit="D")
    e = pd.DatetimeIndex(np.where(is_["xray"], (adm + followup).to_numpy(),
                                  np.where(et == "wounded", ev.to_numpy(), dth.to_numpy())))
    r2 = rng.random(n)
    e = pd.DatetimeIndex(e.where(~((is_["ngo"] | is_["media"] | is_["monitor"]) & (r2 < 0.1 * noise))))
    cols["event_date"] = e.astype("datetime64[us]")
    ref = e.where(e.notna(), ev)
    age = (ref.year - bd.year - ((ref.month < bd.month)
                                 | ((ref.month == bd.month) & (ref.day < bd.day)))).to_numpy(
        dtype=float)
    r3 = rng.random(n)
    age = np.where(is_["xray"] & (r3 < 0.04 * noise), age + rng.choice([-1, 1], n), age)
    approx = is_["media"] & (r3 < 0.2)
    age = np.where(approx, 5 * np.round(age / 5), age)
    has_age = ((is_["xray"] | is_["morgue"]) & (r3 < 0.94) | (is_["media"] & (r3 < 0.55)))
    cols["age"] = pd.array(np.where(has_age, age, np.nan), dtype="Float64").astype("Int64")
    cols["event_type"] = np.where(is_["xray"], "wounded",
                                  np.where(is_["monitor"] & (et == "died_of_wounds"), "killed",
                                           et))

    # place, unit, region
    place_choice = (rng.random(n) * 4).astype(int)
    town = P["facility_town"]
    mon_place = np.full(n, None, dtype=object)
    mm = is_["monitor"]
    mon_place[mm] = [_PLACES[t][k] for t, k in zip(town[mm], place_choice[mm], strict=True)]
    cols["place"] = np.where(is_["xray"], town,
                             np.where(is_["monitor"] & ((rng.random(n) < 0.8) | (mon_style == 4)),
                                      mon_place,
                                      np.where(is_["morgue"] & (et == "died_of_wounds"),
                                               P["hospital"], None)))
    r4 = rng.random(n)
    num = P["unit_number"]
    unit = np.full(n, None, dtype=object)
    unit = np.where(is_["morgue"] & (r4 < 0.5), num, unit)
    unit_lat = _map_unique(num, lambda x: "military unit " + x[-5:])
    unit = np.where(is_["ngo"] & (r4 < 0.4), unit_lat, unit)
    unit = np.where(is_["ngo"] & (r4 >= 0.4) & (r4 < 0.55), P["unit_abbr"], unit)
    unit = np.where(is_["media"] & (r4 < 0.25), P["unit_abbr"], unit)
    unit = np.where(is_["monitor"] & ((r4 < 0.6) | (mon_style == 4)),
                    np.where(r4 < 0.3, num, P["unit_abbr"]), unit)
    cols["unit"] = unit
    r5 = rng.random(n)
    region_lat = _map_unique(P["home_region"], lambda s: romanise(s, "icao"))
    town_lat = _map_unique(P["home_town"], lambda s: romanise(s, "wikipedia"))
    cols["home_region"] = np.where(is_["ngo"] & (r5 < 0.6), region_lat,
                                   where(is_["media"] & (r5 < 0.6),
                                         np.where(english, town_lat, P["home_town"]), None))
    cols["person_id"] = P["person_id"].astype(np.int64)

    # rows grouped by source, in a random order within each source; ids unique per source
    order = np.lexsort((rng.random(n), src.astype(str)))
    src_sorted = src[order]
    rank = np.empty(n, dtype=np.int64)
    fmt = {"xray": "{}", "morgue": "{}/22", "ngo": "NGO-{:07d}", "media": "m{:07d}",
           "monitor": "{}"}
    ids = np.empty(n, dtype=object)
    for name, f in fmt.items():
        m = src_sorted == name
        rank[m] = np.arange(1, int(m.sum()) + 1)
        ids[m] = [f.format(k) for k in rank[m]]
    data: dict[str, object] = {"record_id": ids}
    for c, v in cols.items():
        arr = v[order] if isinstance(v, np.ndarray) else v.take(order)  # type: ignore[attr-defined]
        if isinstance(arr, np.ndarray) and arr.dtype == object:
            arr = where(pd.isna(arr) | (arr == ""), None, arr)
        data[c] = arr
    out = pd.DataFrame({c: data[c] for c in RECORD_COLUMNS})
    logger.info("generated %d records of %d people", n, out["person_id"].nunique())
    return out
