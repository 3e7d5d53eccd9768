"""The generator's own small name lexicon (``simulate/data``), loaded once.

The simulator needs realistic *frequencies*, not completeness: a few common surnames that repeat
(so that genuine namesakes appear, as they do in real casualty lists) and a long thin tail.
Surnames in ``surnames.tsv`` are listed in frequency order within each ethnic group and get
Zipf weights ``1 / rank**s``; a synthetic tail (root + suffix, ``surname_roots.tsv``) carries
the rest of the mass.  Russian surname frequencies are close to a power law in rank
(Zhuravlev's frequency lists; Zipf 1949 for the general law), which is all the simulator relies on.

This module is deliberately independent of :mod:`uncounted.names` (the production alias
lexicon), so that the generator's truth is not produced by the code it is used to test.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["Lexicon", "load_lexicon"]

logger = logging.getLogger(__name__)

GROUPS = ("slavic", "dagestan", "buryat", "tuvan", "tatar")

#: Zipf exponent of the surname rank-frequency law within a group.
SURNAME_ZIPF = 0.6
#: Flatter law for the short minority-group lists (their real diversity is much larger).
MINORITY_ZIPF = 0.3
#: Share of Slavic surnames drawn from the synthetic tail rather than the named list.
TAIL_SHARE = 0.55
_TAIL_SUFFIXES = ("ов", "ин", "енко", "ский")
_TAIL_SUFFIX_WEIGHTS = (0.55, 0.25, 0.12, 0.08)
#: Prefixes of the compound tail (Белобородов, Новосельцев ...), used by the large pool that
#: the million-record benchmark needs: a real population of 500,000 holds tens of thousands of
#: distinct surnames, and a small pool would make namesakes unrealistically common.
_COMPOUND_PREFIXES = ("Бело", "Черно", "Ново", "Старо", "Красно", "Добро", "Мало", "Велико",
                      "Криво", "Сухо", "Круто", "Густо", "Долго", "Косо", "Голо", "Тонко")
#: Share of Slavic surnames drawn from the compound tail in the large pool.
COMPOUND_SHARE = 0.3


def _rows(name: str) -> list[list[str]]:
    text = resources.files("uncounted.simulate").joinpath("data", name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append(next(csv.reader([line], delimiter="\t")))
    return out


@dataclass(frozen=True)
class Lexicon:
    """Arrays describing surnames, given names, regions and units.

    All ``*_p`` arrays are probability vectors over the matching name arrays.  Per-group
    probabilities are kept separately so that a person's names follow their home region's mix.
    """

    surnames: np.ndarray  # object array of nominative masculine surnames
    surname_group: np.ndarray  # object array, group of each surname
    surname_p: dict[str, np.ndarray]  # group -> probabilities over all surnames
    given: np.ndarray  # given names (both sexes)
    given_sex: np.ndarray
    given_group: np.ndarray
    given_p: dict[tuple[str, str], np.ndarray]  # (group, sex) -> probabilities over given
    patronymic_m: np.ndarray  # patronymic formed from each *male* given name (as father's)
    patronymic_f: np.ndarray
    diminutives: tuple[tuple[str, ...], ...]
    belarusian: np.ndarray
    regions: np.ndarray
    region_p: np.ndarray
    region_centre: np.ndarray
    region_groups: tuple[dict[str, float], ...]
    units: np.ndarray
    unit_abbr: np.ndarray
    unit_garrison: np.ndarray
    unit_p: np.ndarray

    def surname_index(self) -> dict[str, int]:
        """Map surname to its index."""
        return {s: i for i, s in enumerate(self.surnames)}


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1, dtype=float) ** s
    return w / w.sum()


@lru_cache(maxsize=2)
def load_lexicon(large: bool = False) -> Lexicon:
    """Load and cache the bundled lexicon.

    Parameters
    ----------
    large : bool
        Add a compound synthetic tail (prefix + root + suffix, about 7,000 more surnames)
        carrying :data:`COMPOUND_SHARE` of the Slavic mass, for populations of 100,000 and more.

    Returns
    -------
    Lexicon
        Frozen arrays; callers must not mutate them.
    """
    srows = _rows("surnames.tsv")
    names = [r[0] for r in srows]
    groups = [r[1] for r in srows]
    roots = list(dict.fromkeys(r[0] for r in _rows("surname_roots.tsv")))
    tail: list[str] = []
    tail_w: list[float] = []
    root_w = _zipf(len(roots), 0.2)
    for suffix, sw in zip(_TAIL_SUFFIXES, _TAIL_SUFFIX_WEIGHTS, strict=True):
        for root, rw in zip(roots, root_w, strict=True):
            cand = root + suffix
            if cand in names or cand in tail:
                continue
            tail.append(cand)
            tail_w.append(sw * rw)
    n_simple = len(tail)
    if large:
        seen = set(names) | set(tail)
        for prefix in _COMPOUND_PREFIXES:
            for suffix, sw in zip(_TAIL_SUFFIXES, _TAIL_SUFFIX_WEIGHTS, strict=True):
                for root in roots:
                    cand = prefix + root.lower() + suffix
                    if cand not in seen:
                        seen.add(cand)
                        tail.append(cand)
                        tail_w.append(sw)
    all_names = np.array(names + tail, dtype=object)
    all_groups = np.array(groups + ["slavic"] * len(tail), dtype=object)
    surname_p: dict[str, np.ndarray] = {}
    for g in GROUPS:
        p = np.zeros(len(all_names))
        idx = [i for i, gg in enumerate(groups) if gg == g]
        head = _zipf(len(idx), SURNAME_ZIPF if g == "slavic" else MINORITY_ZIPF)
        if g == "slavic":
            p[idx] = head * (1 - TAIL_SHARE)
            tw = np.array(tail_w)
            simple = slice(len(names), len(names) + n_simple)
            compound = slice(len(names) + n_simple, None)
            p[simple] = tw[: n_simple] / tw[: n_simple].sum() * TAIL_SHARE
            if large:
                head_share = (1 - TAIL_SHARE) * (1 - COMPOUND_SHARE)
                p[idx] = head * head_share
                p[simple] *= 1 - COMPOUND_SHARE
                p[compound] = tw[n_simple:] / tw[n_simple:].sum() * COMPOUND_SHARE
        else:
            p[idx] = head
        surname_p[g] = p / p.sum()

    grows = _rows("given_names.tsv")
    given = np.array([r[0] for r in grows], dtype=object)
    gsex = np.array([r[1] for r in grows], dtype=object)
    ggroup = np.array([r[2] for r in grows], dtype=object)
    gw = np.array([float(r[3]) for r in grows])
    given_p: dict[tuple[str, str], np.ndarray] = {}
    for g in GROUPS:
        for sex in ("M", "F"):
            mask = (gsex == sex) & (ggroup == (g if sex == "M" else "slavic"))
            p = np.where(mask, gw, 0.0)
            given_p[(g, sex)] = p / p.sum()
    patr_m = np.array([r[4] if r[4] != "-" else "" for r in grows], dtype=object)
    patr_f = np.array([r[5] if r[5] != "-" else "" for r in grows], dtype=object)
    dims = tuple(tuple(x for x in r[6].split(",") if x) for r in grows)
    bel = np.array([r[7] for r in grows], dtype=object)

    rrows = _rows("regions.tsv")
    regions = np.array([r[0] for r in rrows], dtype=object)
    rw = np.array([float(r[1]) for r in rrows])
    centre = np.array([r[2] for r in rrows], dtype=object)
    rgroups: list[dict[str, float]] = []
    for r in rrows:
        mix: dict[str, float] = {}
        spec = r[3].strip() if len(r) > 3 else ""
        for part in spec.split(","):
            if part.strip():
                k, v = part.split(":")
                mix[k.strip()] = float(v)
        mix["slavic"] = 1.0 - sum(mix.values())
        rgroups.append(mix)

    urows = _rows("units.tsv")
    lex = Lexicon(
        surnames=all_names,
        surname_group=all_groups,
        surname_p=surname_p,
        given=given,
        given_sex=gsex,
        given_group=ggroup,
        given_p=given_p,
        patronymic_m=patr_m,
        patronymic_f=patr_f,
        diminutives=dims,
        belarusian=bel,
        regions=regions,
        region_p=rw / rw.sum(),
        region_centre=centre,
        region_groups=tuple(rgroups),
        units=np.array([r[0] for r in urows], dtype=object),
        unit_abbr=np.array([r[1] for r in urows], dtype=object),
        unit_garrison=np.array([r[2] for r in urows], dtype=object),
        unit_p=np.array([float(r[3]) for r in urows]) / sum(float(r[3]) for r in urows),
    )
    logger.debug("lexicon: %d surnames (%d synthetic), %d given names", len(all_names),
                 len(tail), len(given))
    return lex
