"""Parse a name as written into family / given / patronymic, whatever the order.

Orders handled: "Фамилия Имя Отчество", "Имя Отчество Фамилия", "Имя Фамилия", "Фамилия Имя",
"FAMILY, Given [Patronymic]", "FAMILY Given" (all-caps family name in a mixed-case string),
and initials ("Иванов А.П.", "A. P. Ivanov").  Evidence, strongest first: a comma, a
patronymic suffix (ru -ович/-евич/-ич/-овна/-евна/-ична, uk -ович/-івна, be -авіч/-аўна and
their Latin spellings, recognised on the folded key so every script and inflected forms
are covered), an all-caps word, given-name lexicon membership, surname suffixes.  When the
evidence ties, Cyrillic strings are read family-first (the order of Russian and Ukrainian
official lists) and Latin strings given-first; the returned confidence is then 0.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from uncounted.names.aliases import given_form, lookup_given
from uncounted.names.case import to_nominative
from uncounted.names.declension import is_oblique_patronymic
from uncounted.names.script import fold_key, fold_token, normalize, script_of

__all__ = ["ParsedName", "parse_name", "patronymic_sex", "surname_sex", "token_scores",
           "is_placeholder", "particle_sex"]

# On folded keys (see script.fold_key): masculine patronymics and their oblique endings.
_PATR_M = re.compile(r"(?:[oea]vich|ilich|kuzmich|fomich|lukich|nikitich|savich)(?:a|u|em|om|e)?$")
_PATR_F = re.compile(r"(?:[oe]vn|ichn|ivn|avn|jvn|[ae]un)(?:a|ij|i|e|oj|u|oju)$")
_SURNAME_STRONG = re.compile(
    r"(?:[oe]v|[oe]va|[oe]voj|[oe]vu|[oe]vim|[oe]vij|[oe]vich|skij|tskij|skaja|tskaja|skoj"
    r"|enko|chuk|juk|uk|shvilij|dze|jan|janc|ski|ska|chenko|ovskij|ak|ets|nik|ich)$"
)
_SURNAME_WEAK = re.compile(r"(?:in|ina|inoj|ko|ij|oj|aja|ik|ar|ec|uk|ich)$")
_SURNAME_F = re.compile(r"(?:[oe]va|ina|skaja|tskaja|[oe]voj|inoj|skoj|aja)$")
_SURNAME_M = re.compile(r"(?:[oe]v|in|skij|tskij)$")
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.)+[^\W\d_]?$|^[^\W\d_]$")


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name split into its parts (nominative, as written otherwise).

    Attributes
    ----------
    family, given, patronymic : str or None
        Name parts.  ``given`` may hold several words ("Maria Luisa").
    initials : str
        Folded initials of given name and patronymic ("ap"), from the parts or the
        initials written.
    sex : {'M', 'F', None}
        From the argument, else the patronymic, the given name, the surname form.
    script : {'cyrillic', 'latin', 'mixed', None}
    order_confidence : float
        1.0 when the order is certain (comma, patronymic, all-caps, lexicon), 0.5 when it
        rests on the default order for the script.
    """

    family: str | None = None
    given: str | None = None
    patronymic: str | None = None
    initials: str = ""
    sex: str | None = None
    script: str | None = None
    order_confidence: float = 1.0


@lru_cache(maxsize=200_000)
def patronymic_sex(token: str) -> str | None:
    """'M' or 'F' if ``token`` (any script, any case form) is a patronymic, else None."""
    ps = particle_sex(token)
    if ps is not None:
        return ps
    k = fold_token(token)
    if _PATR_M.search(k):
        return "M"
    if _PATR_F.search(k):
        return "F"
    return None


@lru_cache(maxsize=200_000)
def surname_sex(token: str) -> str | None:
    """Sex implied by a Russian-type surname ending (Иванова F, Иванов M), else None."""
    k = fold_token(token)
    if _SURNAME_F.search(k):
        return "F"
    if _SURNAME_M.search(k):
        return "M"
    return None


@lru_cache(maxsize=200_000)
def token_scores(token: str) -> tuple[int, int]:
    """Return (given-name score, surname score) of one word, each 0-2.

    Given: 2 for a full name or equivalent in the lexicon, 1 for a diminutive only.
    Surname: 2 for a strong Slavic surname suffix (-ов, -ский, -енко, -чук ...), 1 weak.
    """
    k = fold_token(token)
    if not k:
        return 0, 0
    g = 0
    gn, oblique = given_form(token, None, False)
    if gn is not None:
        g = 2 if oblique or k == gn.key or k in _full_forms(gn.key) else 1
    f = 2 if _SURNAME_STRONG.search(k) else 1 if _SURNAME_WEAK.search(k) else 0
    if g and f == 1:
        f = 0
    return g, f


@lru_cache(maxsize=4096)
def _full_forms(key: str) -> frozenset[str]:
    from uncounted.names.aliases import lexicon

    lex = lexicon()
    out = set()
    for form, entries in lex.index.items():
        for idx, kind in entries:
            if kind < 2 and lex.names[idx].key == key:
                out.add(form)
    return frozenset(out)


def _initial_letters(tok: str) -> list[str]:
    return [p for p in tok.split(".") if p]


@dataclass(slots=True)
class _Split:
    family: str | None
    given: str | None
    patronymic: str | None
    initials: list[str]
    confidence: float
    script: str | None


def _assign(words: list[str], latin: bool) -> tuple[str | None, str | None, str | None, float]:
    """Assign roles to words (no comma, no initials)."""
    n = len(words)
    if n == 0:
        return None, None, None, 1.0
    scores = [token_scores(w) for w in words]
    caps = [w.isupper() and len(w) > 1 for w in words]
    mixed_case = any(caps) and not all(caps)
    if n == 1:
        g, f = scores[0]
        return (None, words[0], None, 0.75) if g > f else (words[0], None, None, 0.75)
    patr = [i for i, w in enumerate(words) if i >= 1 and patronymic_sex(w) is not None]
    if patr:
        k = patr[-1]
        given = words[k - 1]
        family_words = words[: k - 1] + words[k + 1:]
        fam = " ".join(family_words) or None
        return fam, given, words[k], 1.0
    if mixed_case:
        fam_i = [i for i in range(n) if caps[i]]
        fam = " ".join(words[i] for i in fam_i)
        rest = [words[i] for i in range(n) if not caps[i]]
        return fam, " ".join(rest) or None, None, 1.0
    # family is the first or the last word
    # a lexicon hit outweighs a surname-like ending (Вова, Сева end like -ова/-ева)
    first = scores[0][1] - 2 * scores[0][0]
    last = scores[-1][1] - 2 * scores[-1][0]
    if first > last:
        fam_first, conf = True, 1.0 if first - last >= 2 else 0.75
    elif last > first:
        fam_first, conf = False, 1.0 if last - first >= 2 else 0.75
    else:
        fam_first, conf = (not latin), 0.5
    if fam_first:
        return words[0], " ".join(words[1:]), None, conf
    return words[-1], " ".join(words[:-1]), None, conf


_PARENS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")
_HAS_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")
_BIRTH_MARK = re.compile(r"^(?:г\.?р\.?|гр\.|г\.|р\.|род\.?|b\.|born|рожд\.?|н\.|нар\.)$",
                         re.IGNORECASE)
# Turkic patronymic particles: "Мамедов Али Гасан оглы" (son of Гасан), "кызы" (daughter of)
_PARTICLE_SEX = {"оглы": "M", "огли": "M", "оглу": "M", "улы": "M", "уулу": "M", "ogly": "M",
                 "oglu": "M", "ogli": "M", "uly": "M", "uulu": "M", "кызы": "F", "кизи": "F",
                 "гызы": "F", "qizi": "F", "kyzy": "F", "kizi": "F", "gyzy": "F"}
# Words that mean "no name": a placeholder must never link records (unidentified bodies).
_PLACEHOLDER_TEXT = """
неизвестный неизвестная неизвестен неизвестно неизв неопознанный неопознанная неопознанное
неопознан неустановленный неустановленная неустановленное неустановлен фио нет данных н д
нд невідомий невідома невстановлений невстановлена невядомы невядомая тело труп солдат
военнослужащий мужчина женщина человек чел unknown unidentified unnamed anonymous soldier
body male female person n a na none null nan x xx xxx
"""
_PLACEHOLDER_WORDS = frozenset(_PLACEHOLDER_TEXT.split())


def is_placeholder(text: str | None) -> bool:
    """Whether a name field says "unknown" rather than naming anyone (Неизвестный, н/д, ?).

    Such values get no keys at all, so that all unidentified people are not linked together.
    """
    if text is None:
        return True
    first = _WORD.search(text)
    if first is None:
        return True
    if first.group(0).lower() not in _PLACEHOLDER_WORDS:  # fast exit for real names
        return False
    return all(w in _PLACEHOLDER_WORDS for w in _WORD.findall(text.lower()))


def particle_sex(text: str | None) -> str | None:
    """'M'/'F' when a patronymic ends in a Turkic particle (Гасан оглы, Гасан кызы)."""
    if not text:
        return None
    return _PARTICLE_SEX.get(text.split()[-1].lower())


@lru_cache(maxsize=500_000)
def split_name(text: str) -> _Split:
    """Split a name into raw parts without lemmatisation (the fast path of name_keys).

    Bracketed parts (nicknames, maiden names: "Иванова (Петрова) Мария") and words with
    digits ("1985 г.р.") are dropped; a placeholder ("Неизвестный", "н/д") gives no parts.
    """
    t = normalize(text)
    script = script_of(t)
    if "(" in t or "[" in t:
        t = " ".join(_PARENS.sub(" ", t).split())
    if _HAS_DIGIT.search(t):
        # "1985 г.р." (year of birth), "р. 1985", "b. 1985": drop the date and its marker
        t = " ".join(w for w in t.split()
                     if not _HAS_DIGIT.search(w) and not _BIRTH_MARK.match(w)).strip(" ,")
    if is_placeholder(t):
        return _Split(None, None, None, [], float("nan"), script)
    latin = script == "latin"
    if "," in t:
        left, right = t.split(",", 1)
        toks = right.replace(",", " ").split()
        words = [tok for tok in toks if not _INITIALS.match(tok)]
        if len(left.split()) <= 2 and (words or any(_INITIALS.match(x) for x in toks)):
            fam = " ".join(left.split()) or None
            inits = [x for tok in toks if _INITIALS.match(tok) for x in _initial_letters(tok)]
            given = words[0] if words else None
            patr = " ".join(words[1:]) if len(words) > 1 else None
            return _Split(fam, given, patr, inits, 1.0, script)
        t = left if not words else t.replace(",", " ")
    toks = t.split()
    inits = [x for tok in toks if _INITIALS.match(tok) for x in _initial_letters(tok)]
    words = [tok for tok in toks if not _INITIALS.match(tok)]
    if inits and len(words) == 1:
        # with initials, the word is the family name ("Иванов А.П.", "A. P. Ivanov")
        return _Split(words[0], None, None, inits, 1.0, script)
    particle = next((i for i, w in enumerate(words) if i >= 2 and w.lower() in _PARTICLE_SEX),
                    None)
    if particle is not None:
        patr = f"{words[particle - 1]} {words[particle]}"
        rest = words[: particle - 1] + words[particle + 1:]
        fam, given, _, conf = _assign(rest, latin)
        return _Split(fam, given, patr, inits, conf, script)
    fam, given, patr, conf = _assign(words, latin)
    return _Split(fam, given, patr, inits, conf, script)


def _initial(text: str | None) -> str:
    k = fold_key(text) if text else ""
    return k[:1]


def parse_name(text: str, sex: str | None = None) -> ParsedName:
    """Parse one name as written.

    Parameters
    ----------
    text : str
        The full name, any order, script and grammatical case.
    sex : {'M', 'F', None}
        Known sex (from a separate field); it resolves ambiguous case forms.

    Returns
    -------
    ParsedName
        Parts in the nominative.

    Examples
    --------
    >>> p = parse_name("Иванова Александра Петровича")
    >>> (p.family, p.given, p.patronymic, p.sex)
    ('Иванов', 'Александр', 'Петрович', 'M')
    """
    s = split_name(text)
    sex = sex if sex in ("M", "F") else None
    if sex is None and s.patronymic:
        sex = patronymic_sex(s.patronymic)
    family, given, patr = s.family, s.given, s.patronymic
    if sex is None and family:
        _, form_sex = to_nominative(family.split()[0], "family")
        sex = form_sex
    if sex is None and given:
        g = lookup_given(given.split()[0])
        if g is not None and token_scores(given.split()[0])[0] == 2:
            sex = g.sex
    if sex is None and family:
        sex = surname_sex(family.split()[-1])
    oblique = bool(patr) and is_oblique_patronymic(patr)  # type: ignore[arg-type]
    if given and not oblique:
        oblique = given_form(given.split()[0], sex)[1]
    if family:
        family = " ".join(to_nominative(w, "family", sex, oblique)[0] for w in family.split())
    if given:
        ws = given.split()
        given = " ".join([to_nominative(ws[0], "given", sex)[0], *ws[1:]])
    if patr:
        patr = to_nominative(patr, "patronymic", sex)[0]
    if sex is None and given:
        g = lookup_given(given.split()[0])
        sex = g.sex if g is not None else None
    inits = s.initials
    if given:
        gn = lookup_given(given.split()[0], sex)
        gi = gn.key[:1] if gn is not None else _initial(given)
    else:
        gi = _initial(inits[0]) if inits else ""
    if patr:
        from uncounted.names.keys import patronymic_key

        pk = patronymic_key(patr)
        pi = pk[:1]
    elif given and inits:
        pi = _initial(inits[0])
    else:
        pi = _initial(inits[1]) if len(inits) > 1 else ""
    return ParsedName(family, given, patr, gi + pi, sex, s.script, s.confidence)
