"""The true population: Russian soldiers killed or wounded and treated or kept in the Gomel region.

One row per person, with every attribute any list could report and the latent quantities the
capture model uses (``visibility``, ``publicized``).  Nothing here is noisy: noise is added when
a list *writes* a person (:mod:`uncounted.simulate.lists`).

Timeline (24 February – 30 April 2022): the intensity of casualties rises over the first days of
the offensive from Belarus towards Kyiv, peaks in early March and falls after the withdrawal
from the Kyiv region (completed in early April); we model it as a gamma-shaped curve
``t**1.3 * exp(-t / 9)`` in days since 24 February, plus a small floor.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError
from uncounted.simulate._arrays import where
from uncounted.simulate.forms import feminine_surname
from uncounted.simulate.lexicon import GROUPS, load_lexicon

__all__ = ["FACILITIES", "PERIOD_END", "PERIOD_START", "generate_people"]

logger = logging.getLogger(__name__)

PERIOD_START = date(2022, 2, 24)
PERIOD_END = date(2022, 4, 30)

#: Hospitals (town -> name, share of the wounded) and morgues (town -> name).
FACILITIES: dict[str, dict[str, tuple[str, float]]] = {
    "hospital": {
        "Мозырь": ("Мозырская городская больница", 0.42),
        "Гомель": ("Гомельская областная клиническая больница", 0.28),
        "Наровля": ("Наровлянская ЦРБ", 0.15),
        "Речица": ("Речицкая ЦРБ", 0.15),
    },
    "morgue": {
        "Мозырь": ("Мозырское отделение ГСМЭ", 0.55),
        "Гомель": ("Гомельское областное отделение ГСМЭ", 0.30),
        "Речица": ("Речицкое отделение ГСМЭ", 0.15),
    },
}

#: Share of each event type among the true population.
EVENT_SHARES = {"wounded": 0.66, "killed": 0.24, "died_of_wounds": 0.10}
#: Units whose members are rarely named publicly (special forces, Rosgvardia): visibility shift.
LOW_VISIBILITY_UNITS = ("специального назначения", "Росгвардия")


def _intensity(n_days: int) -> np.ndarray:
    t = np.arange(n_days, dtype=float) + 1.0
    lam = t ** 1.3 * np.exp(-t / 9.0)
    lam = lam / lam.max() + 0.04
    return lam / lam.sum()


def _unit_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    nums = rng.choice(np.arange(10_000, 99_999), size=n, replace=False)
    return np.array([f"в/ч {x}" for x in nums], dtype=object)


def generate_people(n: int, seed: int = 2022, *, female_share: float = 0.03,
                    large_lexicon: bool | None = None) -> pd.DataFrame:
    """Draw the true population of ``n`` people.

    Parameters
    ----------
    n : int
        Number of people (the true total).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same people.
    female_share : float
        Share of women (medics, signallers).
    large_lexicon : bool, optional
        Draw surnames from the large pool (see :func:`load_lexicon`); by default when
        ``n >= 100_000``.

    Returns
    -------
    pandas.DataFrame
        Columns ``person_id`` (int, 0..n-1), ``family_name, given_name, patronymic, sex,
        birth_date, age`` (age at the event), ``group`` (name-origin group), ``home_region,
        home_town, unit, unit_number, event_type`` ('killed', 'wounded', 'died_of_wounds'),
        ``event_date`` (wounding or death in action), ``admission_date`` (hospital, NaT for
        the killed), ``death_date`` (NaT for the wounded), ``facility_town``, ``facility`` (the hospital
        that treated them, or for the killed the morgue that kept them), ``hospital, morgue,
        visibility`` (latent, standard normal plus unit effect) and ``publicized`` (bool: the
        family or comrades made the case public).

    Raises
    ------
    InputError
        If ``n`` is not a positive integer.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive integer; got {n!r}. Try n=4000.")
    lex = load_lexicon(large=n >= 100_000 if large_lexicon is None else large_lexicon)
    rng = np.random.default_rng(seed)

    # units and home regions: half of a unit's soldiers come from its garrison region
    n_units = len(lex.units)
    unit_idx = rng.choice(n_units, size=n, p=lex.unit_p)
    unit_numbers = _unit_numbers(rng, n_units)
    region_index = {r: i for i, r in enumerate(lex.regions)}
    garrison = np.array([region_index[g] for g in lex.unit_garrison])
    from_garrison = rng.random(n) < 0.5
    region_idx = np.where(from_garrison, garrison[unit_idx],
                          rng.choice(len(lex.regions), size=n, p=lex.region_p))

    # name-origin group from the region's mix
    group = np.empty(n, dtype=object)
    u = rng.random(n)
    for r in np.unique(region_idx):
        mask = region_idx == r
        mix = lex.region_groups[r]
        cum = np.cumsum([mix.get(g, 0.0) for g in GROUPS])
        group[mask] = np.array(GROUPS, dtype=object)[np.searchsorted(cum, u[mask] * cum[-1])]

    sex = np.where(rng.random(n) < female_share, "F", "M").astype(object)
    family = np.empty(n, dtype=object)
    given = np.empty(n, dtype=object)
    patronymic = np.empty(n, dtype=object)
    for g in GROUPS:
        gm = group == g
        if not gm.any():
            continue
        family[gm] = rng.choice(lex.surnames, size=int(gm.sum()), p=lex.surname_p[g])
        fathers = rng.choice(len(lex.given), size=int(gm.sum()), p=lex.given_p[(g, "M")])
        for s in ("M", "F"):
            m = gm & (sex == s)
            k = int(m.sum())
            if not k:
                continue
            given[m] = rng.choice(lex.given, size=k, p=lex.given_p[(g, s)])
            sub = fathers[(sex[gm] == s)]
            patronymic[m] = (lex.patronymic_m if s == "M" else lex.patronymic_f)[sub]
    fem = sex == "F"
    family[fem] = [feminine_surname(x) for x in family[fem]]

    # events
    n_days = (PERIOD_END - PERIOD_START).days + 1
    day = rng.choice(n_days, size=n, p=_intensity(n_days))
    event_date = pd.Timestamp(PERIOD_START) + pd.to_timedelta(day, unit="D")
    etypes = np.array(list(EVENT_SHARES), dtype=object)
    event_type = rng.choice(etypes, size=n, p=list(EVENT_SHARES.values()))
    wounded_or_dow = event_type != "killed"
    admission = event_date + pd.to_timedelta(rng.integers(0, 3, size=n), unit="D")
    admission = pd.DatetimeIndex(admission.where(wounded_or_dow))  # NaT elsewhere
    dow_delay = rng.geometric(0.25, size=n) - 1
    death_or_nat = np.where(event_type == "killed", event_date,
                            admission + pd.to_timedelta(dow_delay, unit="D"))
    death = pd.DatetimeIndex(pd.DatetimeIndex(death_or_nat).where(event_type != "wounded"))  # NaT elsewhere
    end = pd.Timestamp(PERIOD_END)
    death = pd.DatetimeIndex(death.where(~(death > end), end))

    # ages: conscripts and young contract soldiers, a tail of officers
    age_drawn = np.clip(18 + rng.gamma(2.0, 3.6, size=n), 18, 56).astype(int)
    offset = rng.integers(0, 365, size=n)
    birth = (event_date - pd.to_timedelta(age_drawn * 365.25 + offset, unit="D")).normalize()
    # exact age at the event date
    age = (event_date.year - birth.year
           - ((event_date.month < birth.month)
              | ((event_date.month == birth.month) & (event_date.day < birth.day)))).astype(int)

    # facilities
    htowns = list(FACILITIES["hospital"])
    hp = np.array([v[1] for v in FACILITIES["hospital"].values()])
    mtowns = list(FACILITIES["morgue"])
    mp = np.array([v[1] for v in FACILITIES["morgue"].values()])
    htown = rng.choice(htowns, size=n, p=hp / hp.sum()).astype(object)
    mtown_killed = rng.choice(mtowns, size=n, p=mp / mp.sum()).astype(object)
    # the died-of-wounds go to the morgue of their hospital's town (Наровля has none: Мозырь)
    mtown_dow = np.where(np.isin(htown, mtowns), htown, "Мозырь")
    facility_town = np.where(event_type == "killed", mtown_killed, htown).astype(object)
    morgue_town = np.where(event_type == "killed", mtown_killed,
                           where(event_type == "died_of_wounds", mtown_dow, None))
    hospital = np.array([FACILITIES["hospital"][t][0] if et != "killed" else None
                         for t, et in zip(htown, event_type, strict=True)], dtype=object)
    morgue = np.array([FACILITIES["morgue"][t][0] if t is not None else None
                       for t in morgue_town], dtype=object)

    # latent visibility: standard normal, lower for special forces / Rosgvardia
    low_vis = np.array([any(k in u for k in LOW_VISIBILITY_UNITS) for u in lex.units])
    visibility = rng.normal(size=n) - 1.0 * low_vis[unit_idx]
    logit = -0.6 + 0.9 * visibility + 1.0 * (event_type != "wounded")
    publicized = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))

    people = pd.DataFrame({
        "person_id": np.arange(n, dtype=np.int64),
        "family_name": family,
        "given_name": given,
        "patronymic": patronymic,
        "sex": sex,
        "birth_date": birth,
        "age": age,
        "group": group,
        "home_region": lex.regions[region_idx],
        "home_town": lex.region_centre[region_idx],
        "unit": lex.units[unit_idx],
        "unit_abbr": lex.unit_abbr[unit_idx],
        "unit_number": unit_numbers[unit_idx],
        "event_type": event_type,
        "event_date": event_date,
        "admission_date": admission,
        "death_date": death,
        "facility_town": facility_town,
        "facility": np.where(event_type == "killed", morgue, hospital),
        "hospital": hospital,
        "morgue": morgue,
        "visibility": visibility,
        "publicized": publicized,
    })
    logger.debug("generated %d people (seed %d)", n, seed)
    return people
