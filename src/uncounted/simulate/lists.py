"""Five lists of the Gomel case: who each list captures, and how it writes them.

Capture model
-------------
Each list ``j`` records person ``i`` with probability
``p_ij = sigmoid(a_j(i) + b_j * visibility_i + dependence terms)``, where ``a_j`` depends on
the person's event type and facility (the lists only see what they can see), ``visibility_i``
is a latent standard-normal trait shared by all lists (heterogeneous capture: Huggins & Yip
1997; it induces positive dependence between every pair of lists when marginalised), and the
dependence terms model the two mechanisms the case is known for:

* ``xray`` → ``morgue``: someone who died of wounds after an X-ray in a hospital goes to the
  morgue of the same town, and the leaked morgue log and X-ray register overlap far more than
  independence would give (``MORGUE_GIVEN_XRAY``);
* ``media`` and ``ngo`` share sources: both draw on the family's public posts
  (``publicized``), and the NGO also reads the media (``NGO_GIVEN_MEDIA``).

The numbers are in :data:`CAPTURE`; they were tuned so that with the default 4,000 people the
lists hold a few hundred to about 1,500 records each.

Writing
-------
Every list is returned as a :class:`pandas.DataFrame` of *source* columns holding strings
exactly as the source shows them (the morgue's date-of-death column holds
:class:`datetime.date` objects where the source has real Excel dates, and strings where a clerk
typed an impossible date).  File-level quirks (title lines, repeated header rows, totals rows,
encodings) are added by :meth:`uncounted.simulate.GomelCase.write`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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

__all__ = ["CAPTURE", "LIST_NAMES", "RenderedList", "capture", "capture_probabilities",
           "render_list"]

logger = logging.getLogger(__name__)

LIST_NAMES = ("xray", "morgue", "ngo", "media", "monitor")

#: Capture-model parameters (logit scale).  ``base`` is the intercept, by facility town for
#: the facility-bound lists; ``visibility`` the loading on the latent trait; the rest are
#: documented next to their use in :func:`capture`.
CAPTURE: dict[str, dict[str, float | dict[str, float]]] = {
    "xray": {"base": {"Мозырь": 0.1, "Гомель": -0.9, "Наровля": -0.2, "Речица": -0.4},
             "visibility": 0.3, "died_of_wounds": 0.7, "duplicate": 0.08},
    "morgue": {"base": {"Мозырь": 0.2, "Гомель": -0.6, "Речица": -0.9},
               "visibility": 0.3, "given_xray": 1.6, "duplicate": 0.03},
    "media": {"base": -3.6, "publicized": 2.8, "visibility": 0.5, "dead": 0.7,
              "duplicate": 0.05},
    "ngo": {"base": -3.1, "publicized": 2.2, "visibility": 0.5, "dead": 0.7, "given_media": 1.2,
            "duplicate": 0.02},
    "monitor": {"base": -3.1, "watched_town": 1.7, "visibility": 0.4, "wounded": 0.3,
                "duplicate": 0.06},
}
#: Towns the monitoring group watched (hospital entrances, the railway station at Mazyr).
WATCHED_TOWNS = ("Мозырь", "Наровля")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _town_term(spec: float | dict[str, float], towns: np.ndarray) -> np.ndarray:
    if isinstance(spec, dict):
        return np.array([spec.get(t, min(spec.values())) if t is not None else -np.inf
                         for t in towns])
    return np.full(len(towns), float(spec))


def _merged(params: dict[str, dict[str, float | dict[str, float]]] | None,
            ) -> dict[str, dict[str, float | dict[str, float]]]:
    p = {k: dict(v) for k, v in CAPTURE.items()}
    for k, v in (params or {}).items():
        if k not in p:
            raise InputError(f"unknown list {k!r} in capture params; allowed: "
                             f"{', '.join(LIST_NAMES)}.")
        p[k].update(v)
    return p


def _num(spec: dict[str, float | dict[str, float]], key: str) -> float:
    value = spec[key]
    if isinstance(value, dict):
        raise InputError(f"capture parameter {key!r} must be a number; got {value!r}.")
    return float(value)


def capture_probabilities(people: pd.DataFrame, captured: dict[str, np.ndarray] | None = None,
                          params: dict[str, dict[str, float | dict[str, float]]] | None = None,
                          ) -> dict[str, np.ndarray]:
    """Each person's probability of being recorded by each list.

    ``morgue`` depends on ``xray`` and ``ngo`` on ``media`` (list dependence), so their
    probabilities are conditional on who those lists recorded: pass ``captured`` with at
    least ``xray`` and ``media`` (without it, both are taken as not recorded).

    Parameters
    ----------
    people : DataFrame
        From :func:`uncounted.simulate.generate_people`.
    captured : dict of bool arrays, optional
        Realised captures of ``xray`` and ``media``.
    params : dict, optional
        Overrides of :data:`CAPTURE` (same shape; missing keys keep their defaults).

    Returns
    -------
    dict[str, ndarray of float]
        Keyed by list name, in the order of :data:`LIST_NAMES`; 0 where a list cannot see a
        person (killed people on the X-ray list, the wounded in the morgue).
    """
    p = _merged(params)
    n = len(people)
    cap = captured or {}
    in_xray = cap.get("xray", np.zeros(n, dtype=bool))
    in_media = cap.get("media", np.zeros(n, dtype=bool))
    v = people["visibility"].to_numpy()
    et = people["event_type"].to_numpy()
    dead = et != "wounded"
    pub = people["publicized"].to_numpy().astype(float)
    out: dict[str, np.ndarray] = {}

    x = p["xray"]
    hosp_town = where(et != "killed", people["facility_town"].to_numpy(), None)
    logit = (_town_term(x["base"], hosp_town) + _num(x, "visibility") * v
             + _num(x, "died_of_wounds") * (et == "died_of_wounds"))
    out["xray"] = np.where(et != "killed", _sigmoid(logit), 0.0)

    m = p["morgue"]
    morgue_town = np.array(_morgue_towns(people), dtype=object)
    logit = (_town_term(m["base"], morgue_town) + _num(m, "visibility") * v
             + _num(m, "given_xray") * ((et == "died_of_wounds") & in_xray))
    out["morgue"] = np.where(dead, _sigmoid(logit), 0.0)

    me = p["media"]
    logit = (_num(me, "base") + _num(me, "publicized") * pub + _num(me, "visibility") * v
             + _num(me, "dead") * dead)
    out["media"] = _sigmoid(logit)
    ng = p["ngo"]
    logit = (_num(ng, "base") + _num(ng, "publicized") * pub + _num(ng, "visibility") * v
             + _num(ng, "dead") * dead + _num(ng, "given_media") * in_media)
    out["ngo"] = _sigmoid(logit)

    mo = p["monitor"]
    watched = np.isin(people["facility_town"].to_numpy(), WATCHED_TOWNS)
    logit = (_num(mo, "base") + _num(mo, "watched_town") * watched
             + _num(mo, "visibility") * v + _num(mo, "wounded") * (~dead))
    out["monitor"] = _sigmoid(logit)
    return {k: out[k] for k in LIST_NAMES}


def capture(people: pd.DataFrame, rng: np.random.Generator,
            params: dict[str, dict[str, float | dict[str, float]]] | None = None,
            ) -> dict[str, np.ndarray]:
    """Draw, for every list, which people it records (one boolean array per list).

    ``xray`` and ``media`` are drawn first, then ``morgue`` and ``ngo`` conditionally on them
    (:func:`capture_probabilities`), then ``monitor``.

    Parameters
    ----------
    people : DataFrame
        From :func:`uncounted.simulate.generate_people`.
    rng : numpy.random.Generator
    params : dict, optional
        Overrides of :data:`CAPTURE` (same shape; missing keys keep their defaults).

    Returns
    -------
    dict[str, ndarray of bool]
        Keyed by list name, in the order of :data:`LIST_NAMES`.
    """
    n = len(people)
    u = rng.random((len(LIST_NAMES), n))
    first = capture_probabilities(people, None, params)
    drawn = {"xray": u[0] < first["xray"], "media": u[3] < first["media"]}
    probs = capture_probabilities(people, drawn, params)
    out = {name: u[k] < probs[name] for k, name in enumerate(LIST_NAMES)}
    return out


def _morgue_towns(people: pd.DataFrame) -> list[str | None]:
    rev = {"Мозырское отделение ГСМЭ": "Мозырь", "Гомельское областное отделение ГСМЭ": "Гомель",
           "Речицкое отделение ГСМЭ": "Речица"}
    return [rev.get(m) if isinstance(m, str) else None for m in people["morgue"]]


@dataclass(frozen=True)
class RenderedList:
    """One list as its source shows it, plus the truth for each row."""

    frame: pd.DataFrame
    person_id: np.ndarray
    id_column: str


MONTHS_RU_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                 "сентября", "октября", "ноября", "декабря")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

#: What the X-ray register writes as the reason for the examination (all mean: wounded).
XRAY_DIAGNOSES = ("огнестрельное ранение", "осколочное ранение", "МВТ", "ОВР", "контузия",
                  "перелом")

IMPOSSIBLE_2022 = ("31.02.2022", "30.02.2022", "29.02.2022", "31.04.2022", "32.03.2022")


def _dmy(ts: pd.Timestamp) -> str:
    return f"{ts.day:02d}.{ts.month:02d}.{ts.year}"


def _age_at(birth: pd.Timestamp, when: pd.Timestamp) -> int:
    return int(when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day)))


def _no_yo(s: str) -> str:
    return s.replace("ё", "е").replace("Ё", "Е")


def _records(captured: np.ndarray, dup_rate: float,
             rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Row index into people for each record: captured people, some twice (within-list dups)."""
    idx = np.flatnonzero(captured)
    dups = idx[rng.random(len(idx)) < dup_rate]
    return np.concatenate([idx, dups]), len(idx)


def _render_xray(people: pd.DataFrame, rows: np.ndarray, n_first: int,
                 rng: np.random.Generator) -> RenderedList:
    exams = ("R-графия ОГК", "R-графия бедра", "R-графия голени", "R-графия плеча",
             "КТ головного мозга", "R-графия черепа", "R-графия кисти", "КТ ОБП")
    diagnoses = XRAY_DIAGNOSES
    recs = []
    for j, i in enumerate(rows):
        r = people.iloc[i]
        when = r["admission_date"]
        if j >= n_first:  # follow-up X-ray of the same patient
            when = when + pd.Timedelta(days=int(rng.integers(1, 12)))
        fam = r["family_name"]
        giv = r["given_name"]
        u = rng.random(8)
        if u[0] < 0.75:
            fam, giv = _no_yo(fam), _no_yo(giv)
        if u[1] < 0.05:
            fam = typo(fam, rng)
        if u[2] < 0.03:
            giv = ""
        elif u[2] < 0.05:
            giv = giv[0] + "."
        if u[3] < 0.08:
            fam, giv = fam.upper(), giv.upper()
        age = _age_at(r["birth_date"], when)
        age_s = str(age)
        if u[4] < 0.04:
            age_s = str(age + int(rng.choice([-1, 1])))
        elif u[4] < 0.06:
            age_s = ""
        recs.append({"when": when, "pid": r["person_id"], "Дата": _dmy(when),
                     "Учреждение": r["facility_town"], "Фамилия": fam, "Имя": giv,
                     "Возраст": age_s,
                     "Исследование": exams[int(rng.integers(len(exams)))],
                     "Диагноз": diagnoses[int(rng.integers(len(diagnoses)))]})
    df = pd.DataFrame(recs).sort_values("when", kind="stable").reset_index(drop=True)
    pid = df.pop("pid").to_numpy()
    df = df.drop(columns="when")
    df.insert(0, "№", [str(k + 1) for k in range(len(df))])
    return RenderedList(df.astype(object), pid, "№")


def _render_morgue(people: pd.DataFrame, rows: np.ndarray, n_first: int,
                   rng: np.random.Generator) -> RenderedList:
    circumstances_killed = ("погиб", "огнестрельное ранение", "МВТ")
    recs = []
    for i in rows:
        r = people.iloc[i]
        death = r["death_date"]
        arrival = death + pd.Timedelta(days=int(rng.integers(0, 3)))
        u = rng.random(12)
        sex = r["sex"]
        fam, giv, pat = r["family_name"], r["given_name"], r["patronymic"]
        if u[0] < 0.6:  # as on the body label: "(тело) Иванова Александра Петровича"
            fam, giv, pat = (genitive_surname(fam, sex), genitive_given(giv, sex),
                             genitive_patronymic(pat))
        if u[1] < 0.08:
            pat = ""
        if u[2] < 0.05:
            fam = typo(fam, rng)
        fio = " ".join(x for x in (fam, giv, pat) if x)
        if u[3] < 0.8:
            fio = _no_yo(fio)
        if u[4] < 0.12:
            fio = fio.upper()
        unidentified = u[5] < 0.02
        if unidentified:
            fio = "неустановленное лицо (мужчина)" if sex == "M" else "неустановленное лицо"
        dob = "" if (unidentified or u[6] < 0.1) else _dmy(r["birth_date"])
        if dob and u[7] < 0.012:
            dob = f"{int(rng.choice([30, 31]))}.02.{r['birth_date'].year}"
        age: str = str(_age_at(r["birth_date"], death))
        if u[8] < 0.012:
            age = str(rng.choice(["-3", "207", "150", "-1"]))
        elif u[8] < 0.06:
            age = ""
        elif unidentified:  # the pathologist's estimate
            age = str(int(5 * round(int(age) / 5)))
        death_cell: date | str = death.date()
        if u[9] < 0.012:
            death_cell = str(rng.choice(IMPOSSIBLE_2022))
        if r["event_type"] == "died_of_wounds":
            origin, circ = r["hospital"], "умер в стационаре"
        else:
            origin = str(rng.choice(["из района боевых действий", "Украина",
                                     "доставлен военными", "Киевская обл."]))
            circ = str(rng.choice(circumstances_killed))
        note = ""
        if u[10] < 0.5:
            note = r["unit_number"]
        elif u[10] < 0.7:
            note = "груз 200"
        recs.append({"when": arrival, "pid": r["person_id"], "Дата поступления": _dmy(arrival),
                     "ФИО": fio, "Пол": "М" if sex == "M" else "Ж", "Дата рождения": dob,
                     "Возраст": age, "Дата смерти": death_cell, "Откуда доставлен": origin,
                     "Обстоятельства": circ, "Примечание": note})
    df = pd.DataFrame(recs).sort_values("when", kind="stable").reset_index(drop=True)
    pid = df.pop("pid").to_numpy()
    df = df.drop(columns="when")
    df.insert(0, "Рег. №", [f"{k + 1}/22" for k in range(len(df))])
    return RenderedList(df.astype(object), pid, "Рег. №")


_NGO_STATUS = {"killed": "KIA", "wounded": "WIA", "died_of_wounds": "DOW"}


def _render_ngo(people: pd.DataFrame, rows: np.ndarray, n_first: int,
                rng: np.random.Generator) -> RenderedList:
    recs = []
    for i in rows:
        r = people.iloc[i]
        u = rng.random(10)
        fam = romanise(r["family_name"], "icao").upper()
        giv = romanise(r["given_name"], "icao")
        pat = "" if u[0] < 0.25 else romanise(r["patronymic"], "icao")
        if u[1] < 0.03:
            fam = typo(fam, rng)
        name = f"{fam}, {giv}" + (f" {pat}" if pat else "")
        dob = ("" if u[2] < 0.35 else str(r["birth_date"].year) if u[2] < 0.55
               else r["birth_date"].date().isoformat())
        when = r["event_date"] if r["event_type"] == "wounded" else r["death_date"]
        dt = "" if u[3] < 0.1 else when.date().isoformat()
        unit = ""
        if u[4] < 0.4:
            unit = "military unit " + r["unit_number"].split()[-1]
        elif u[4] < 0.55:
            unit = r["unit_abbr"]
        region = romanise(r["home_region"], "icao") if u[5] < 0.6 else ""
        src = str(rng.choice(["VK obituary", "relatives", "local media", "Telegram"]))
        recs.append({"pid": r["person_id"], "key": name, "name": name, "date_of_birth": dob,
                     "status": _NGO_STATUS[r["event_type"]], "date": dt, "unit": unit,
                     "region": region, "source": src})
    df = pd.DataFrame(recs).sort_values("key", kind="stable").reset_index(drop=True)
    pid = df.pop("pid").to_numpy()
    df = df.drop(columns="key")
    df.insert(0, "id", [f"NGO-{k + 1:05d}" for k in range(len(df))])
    return RenderedList(df.astype(object), pid, "id")


_MEDIA_STATUS_RU = {"killed": "погиб", "wounded": "ранен", "died_of_wounds": "умер от ран"}
_MEDIA_STATUS_EN = {"killed": "killed", "wounded": "wounded", "died_of_wounds": "died of wounds"}


def _render_media(people: pd.DataFrame, rows: np.ndarray, n_first: int,
                  rng: np.random.Generator) -> RenderedList:
    lex = load_lexicon()
    gidx = {g: k for k, g in enumerate(lex.given)}
    recs = []
    for i in rows:
        r = people.iloc[i]
        u = rng.random(10)
        en = u[0] < 0.25
        dims = lex.diminutives[gidx[r["given_name"]]]
        giv = r["given_name"]
        if dims and u[1] < 0.45:
            giv = dims[int(rng.integers(len(dims)))]
        fam = r["family_name"]
        if en:
            giv, fam = romanise(giv, "wikipedia"), romanise(fam, "wikipedia")
        name = f"{fam} {giv}" if u[2] < 0.15 else f"{giv} {fam}"
        age = _age_at(r["birth_date"], r["event_date"])
        if u[3] < 0.3:
            age_s = ""
        elif u[3] < 0.5:
            approx = int(5 * round((age + rng.integers(-2, 3)) / 5))
            age_s = f"about {approx}" if en else f"около {approx}"
        elif u[3] < 0.62 and not en:
            age_s = f"{age} лет" if age % 10 not in (1, 2, 3, 4) or 11 <= age % 100 <= 14 else (
                f"{age} год" if age % 10 == 1 else f"{age} года")
        else:
            age_s = str(age)
        when = r["event_date"] if r["event_type"] == "wounded" else r["death_date"]
        if u[4] < 0.1:
            date_s = ""
        elif en:
            date_s = f"{MONTHS_EN[when.month - 1]} {when.day}, {when.year}"
        elif u[4] < 0.65:
            date_s = f"{when.day} {MONTHS_RU_GEN[when.month - 1]}"
        else:
            date_s = f"{when.day} {MONTHS_RU_GEN[when.month - 1]} {when.year} г."
        status = (_MEDIA_STATUS_EN if en else _MEDIA_STATUS_RU)[r["event_type"]]
        city = r["home_town"] if u[5] < 0.6 else ""
        if en and city:
            city = romanise(city, "wikipedia")
        unit = r["unit_abbr"] if u[6] < 0.25 else ""
        recs.append({"pid": r["person_id"], "when": when, "lang": "en" if en else "ru",
                     "name": name, "age": age_s, "date": date_s, "status": status,
                     "city": city, "unit": unit})
    df = pd.DataFrame(recs).sort_values("when", kind="stable").reset_index(drop=True)
    pid = df.pop("pid").to_numpy()
    df = df.drop(columns="when")
    df.insert(0, "id", [f"m{k + 1:05d}" for k in range(len(df))])
    return RenderedList(df.astype(object), pid, "id")


_PLACES = {
    "Мозырь": ("Мозырь", "Мазыр", "Mozyr", "Mazyr"),
    "Гомель": ("Гомель", "Гомель", "Gomel", "Homiel"),
    "Наровля": ("Наровля", "Нароўля", "Narovlya", "Naroulia"),
    "Речица": ("Речица", "Рэчыца", "Rechitsa", "Rechytsa"),
}


def _render_monitor(people: pd.DataFrame, rows: np.ndarray, n_first: int,
                    rng: np.random.Generator, koi8: bool = False) -> RenderedList:
    lex = load_lexicon()
    gidx = {g: k for k, g in enumerate(lex.given)}
    styles = ("cyr_full", "initials", "latin", "by_latin", "surname_only", "cyr_short")
    style_p = (0.30, 0.20, 0.15, 0.15, 0.15, 0.05)
    recs = []
    for i in rows:
        r = people.iloc[i]
        u = rng.random(8)
        style = styles[int(rng.choice(len(styles), p=style_p))]
        fam, giv, pat = _no_yo(r["family_name"]), _no_yo(r["given_name"]), r["patronymic"]
        if style == "cyr_full":
            name = f"{fam} {giv} {_no_yo(pat)}".strip()
        elif style == "initials":
            name = f"{fam} {giv[0]}." + (f"{pat[0]}." if pat else "")
        elif style == "latin":
            name = f"{romanise(r['family_name'], 'bgn')} {romanise(r['given_name'], 'bgn')}"
        elif style == "by_latin":
            bel = lex.belarusian[gidx[r["given_name"]]]
            name = f"{belarusian_latin(bel)} {belarusian_latin(to_belarusian_surname(fam))}"
        elif style == "surname_only":
            name = fam
        else:
            name = f"{fam} {giv}"
        if u[0] < 0.03:
            name = typo(name, rng)
        unit = ""
        if style == "surname_only" or u[1] < 0.6:
            unit = r["unit_number"] if u[2] < 0.5 else r["unit_abbr"]
        place = ""
        if style == "surname_only" or u[3] < 0.8:
            place = _PLACES[r["facility_town"]][int(rng.integers(4))]
        when = r["admission_date"] if r["event_type"] != "killed" else r["death_date"]
        if u[4] < 0.1:
            date_s = ""
        elif u[4] < 0.6:
            date_s = _dmy(when)
        elif u[4] < 0.85:
            date_s = f"{when.month:02d}.{when.year}"
        else:
            date_s = when.date().isoformat()
        status = "200" if r["event_type"] != "wounded" else "300"
        if u[5] < 0.3:
            status = "груз " + status
        recs.append({"pid": r["person_id"], "when": when, "name": name, "unit": unit,
                     "place": place, "date": date_s, "status": status})
    df = pd.DataFrame(recs).sort_values("when", kind="stable").reset_index(drop=True)
    pid = df.pop("pid").to_numpy()
    df = df.drop(columns="when")
    if koi8:  # KOI8-R has no Belarusian ў, і: a KOI8 user types the Russian letters
        for c in ("name", "place"):
            df[c] = df[c].str.replace("ў", "у").str.replace("і", "и").str.replace("І", "И")
    df.insert(0, "n", [str(k + 1) for k in range(len(df))])
    return RenderedList(df.astype(object), pid, "n")


_RENDERERS: dict[str, Callable[..., RenderedList]] = {
    "xray": _render_xray, "morgue": _render_morgue, "ngo": _render_ngo, "media": _render_media,
    "monitor": _render_monitor,
}


def render_list(name: str, people: pd.DataFrame, captured: np.ndarray,
                rng: np.random.Generator, *, duplicate_rate: float | None = None,
                koi8: bool = False) -> RenderedList:
    """Write the captured people as list ``name`` writes them.

    Parameters
    ----------
    name : str
        One of :data:`LIST_NAMES`.
    people : DataFrame
        The true population.
    captured : ndarray of bool
        Who the list records (from :func:`capture`).
    rng : numpy.random.Generator
    duplicate_rate : float, optional
        Share of recorded people written twice (defaults from :data:`CAPTURE`).
    koi8 : bool
        For ``monitor`` only: restrict to characters KOI8-R can encode.
    """
    rate = _num(CAPTURE[name], "duplicate") if duplicate_rate is None else duplicate_rate
    rows, n_first = _records(captured, rate, rng)
    if name == "monitor":
        return _render_monitor(people, rows, n_first, rng, koi8=koi8)
    return _RENDERERS[name](people, rows, n_first, rng)
