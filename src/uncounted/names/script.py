"""Script handling: normalisation and the transliteration-invariant comparison key.

Why a hand-written folding
--------------------------
Transliteration *packages* (``iuliia``, ``translitua``, ``cyrtranslit``) go one way:
Cyrillic to one Latin scheme.  Linkage needs the opposite: many Latin spellings of the same
Cyrillic name (ICAO 9303 ``Iurii``, BGN/PCGN ``Yuriy``, GOST 7.79 ``Ûrij``, scholarly ``Jurij``,
German ``Juri``/``Schewtschenko``, Polish ``Szewczenko``, Belarusian passport ``Ivanou``, loose
English ``Yury``) must land on one key.  No package folds Latin spellings *back*, so this module
maps both scripts into a small internal alphabet and then applies the same vowel/iotation
rules to both.  The packages are used where they fit: ``iuliia`` schemes generate the property
tests, ``names_translator`` gives Ukrainian to Russian equivalents (``aliases.py``) and
``fonetika`` gives the phonetic key (``phonetic.py``).

Design of the key
-----------------
* NFC first; Latin homoglyphs inside Cyrillic words (and vice versa) are repaired.
* The internal alphabet has one symbol per Cyrillic consonant class: ``Z`` ж, ``C`` ц, ``Q`` ч,
  ``S`` ш, ``W`` щ; г, ґ, х and Latin ``h``/``kh``/``g`` share ``g`` (Ukrainian г is ``h`` in
  Latin, GOST/ISO write х as ``h``, Russian г is ``g``: no Latin reader can tell them apart).
* и, і, ы share ``i``; е, э, ё, є share ``e``; ``je``/``jo`` (after a consonant) become ``e``
  (Фёдор = Fyodor = Fedor); ``i`` + vowel becomes ``j`` + vowel (Maria = Мария = Mariya).
* **й is never folded to и**: й keys as ``j``.  Two positions are merged because Latin
  spellings cannot distinguish them: a final ``-ий/-ый/-ій`` after a consonant equals a final
  ``-и`` after a consonant (Yuri/Yury/Iurii/Jurij/Юрий all give ``jurij``), and vowel + и +
  consonant equals vowel + й + consonant (ICAO Mikhailov = Михайлов).  A final vowel + и in
  *Cyrillic* stays ``i`` (Андреи -> ``andrei``) while Андрей -> ``andrej``; in Latin, a final
  vowel + ``i``/``y`` is read as й (Andrei, Andrey -> ``andrej``).
* Doubled consonants are single (Anna = Ана).  Final ``-ow/-off/-ou`` are ``-ov`` (German,
  French and Belarusian passport spellings); final ``-ew/-eff/-eu`` are ``-ev``.  Belarusian
  ў is ``u`` elsewhere (Іванаўна = Ivanauna), so mid-word Воўк/Вовк differ.  The Latin ŭ of
  the Belarusian national romanization and Łacinka is ў, so it is ``u`` too (Naroŭlia =
  Нароўля), and a word with ŭ reads *ch* as х, as those systems write it (Cichanoŭski).

* Latin-only readings decided by the spelling tradition a word shows: German (*w*, *tsch*:
  *sch* = ш, *z* = ц, *ch* = х), otherwise *sch* is the English/Yandex щ; Polish (*sz*, *cz*,
  *rz*, *ł*); scholarly/ISO diacritics (š, č, ž, ŝ, ʹ; *x* = х); a lone *c* is ц except
  before l/r/k/t and at the end of a word.

The key is a comparison key only: it is lossy on purpose and is never shown to users.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold_key", "fold_token", "normalize", "script_of", "has_cyrillic"]

_CYR_RE = re.compile(r"[\u0400-\u04FF]")
_LAT_RE = re.compile(r"[A-Za-z\u00C0-\u024F]")

# Cyrillic letters to the internal alphabet (lowercase input).  Covers Russian, Ukrainian
# and Belarusian; ь/ъ/apostrophe become "'" and are resolved by the shared rules.
_CYR_MAP = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "e", "ж": "Z", "з": "z", "и": "i", "і": "i", "ї": "ji", "й": "j", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ў": "u", "ф": "f", "х": "g", "ц": "C", "ч": "Q", "ш": "S", "щ": "W",
    "ъ": "'", "ы": "i", "ь": "'", "э": "e", "ю": "ju", "я": "ja", "'": "'",
}

_CYR_TABLE = str.maketrans(_CYR_MAP)

# Latin homoglyphs of Cyrillic letters (for repairing mixed-script tokens).
_LAT_TO_CYR = str.maketrans({
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У", "i": "і", "I": "І",
})
_CYR_TO_LAT = str.maketrans({
    "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "к": "k",
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Т": "T", "Х": "X", "У": "Y", "і": "i", "І": "I",
})

_APOSTROPHES = str.maketrans({c: "'" for c in "ʼ’‘`´′ʹʺ″\""})
# invisible or in-word separators that typists and OCR leave inside names
_INVISIBLE = re.compile("[\u00ad\u00b7\u200b-\u200d\u2060\ufeff]")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―"})

# Precomposed Latin letters with a transliteration meaning (GOST 7.79, ISO 9, scholarly,
# Polish, Czech, ALA-LC).  Everything else loses its diacritics.
_LAT_SPECIAL = [
    ("šč", "W"), ("ŝ", "W"), ("š", "S"), ("č", "Q"), ("ĉ", "Q"), ("ć", "Q"), ("ž", "Z"),
    ("ẑ", "Z"), ("ż", "Z"), ("ź", "z"), ("ś", "s"), ("ł", "l"), ("ń", "n"), ("û", "ju"),
    ("â", "ja"), ("ĭ", "j"), ("ŭ", "u"), ("ǔ", "u"), ("ë", "e"), ("ê", "e"), ("ì", "i"),
    ("ȳ", "y"), ("ç", "C"), ("ǵ", "g"), ("ѐ", "e"),
]

_VOWELS = "aeiouy"


def _compile(rules: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str, str]]:
    """Compile (pattern, replacement) rules; each gets a needle: the rule can only match
    when the needle is in the string, so most rules are skipped with one ``in`` test."""
    out = []
    for p, r in rules:
        needle = _NEEDLES.get(p, "")
        out.append((re.compile(p), r, needle))
    return out


# the substring every match of a rule contains ('' = always try the rule)
_NEEDLES = {
    r"x": "x", r"schtsch|shtch|shch|szcz|shh": "s", r"tsch|tch": "ch", r"sh|sz": "s",
    r"zh": "zh", r"cz": "cz", r"kh|gh": "h", r"eh(?=[^aeiouy]|$)": "eh", r"ph": "ph", r"ck": "ck", r"ts|tz|tc": "t",
    r"w": "w", r"q": "q", r"you|iou": "ou", r"(?<=[aeiouy])ff$": "ff", r"(?<=[oe])w$": "w",
    r"(?<=[^aeiouy'])(?:yy|yi|iy|ii|yj|ij|y)$": "", r"y(?=[aeiou])": "y",
    r"(?<=[aeiou])y": "y", r"y": "y", r"(?<=[aeou])i$": "i",
    r"(?<=[aeo])u$": "u", r"'(?=[aeiou])": "'", r"'": "'", r"i(?=[aeou])": "i",
    r"ij(?=[aeou])": "ij", r"jj+": "jj", r"(?<=[^aeiouj])jo": "jo", r"je": "je", r"ji": "ji",
    r"(?<=[aeou])i(?=[^aeiouj])": "i", r"(?<=[^aeiouj])i$": "i",
    r"(?<=[szC]k)aja$": "aja",
}


# Latin-only rules, applied in order to a lowercase token (after _LAT_SPECIAL).  The
# digraphs that contain "ch" or "z" come first, then "ch" and "z" are resolved by the
# spelling tradition the token shows (see _latin_internal), then the rest.
_LATIN_RULES_1 = _compile([
    (r"x", "ks"),
    (r"schtsch|shtch|shch|szcz|shh", "W"),
    (r"tsch|tch", "Q"),
    (r"sh|sz", "S"),
    (r"zh", "Z"),
    (r"cz", "Q"),
    (r"kh|gh", "g"),
    (r"eh(?=[^aeiouy]|$)", "e"),  # GOST 16876 system B writes э as "eh" (Ehduard)
])
_LATIN_RULES_2 = _compile([
    (r"ph", "f"),
    (r"ck", "k"),
    (r"ts|tz|tc", "C"),
    (r"w", "v"),
    (r"q", "k"),
    (r"you|iou", "ju"),
    (r"(?<=[aeiouy])ff$", "v"),
    (r"(?<=[oe])w$", "v"),
    # y: final -yy/-yi/-iy/-ii/-yj/-ij/-y after a consonant is -ий/-ый
    (r"(?<=[^aeiouy'])(?:yy|yi|iy|ii|yj|ij|y)$", "ij"),
    (r"y(?=[aeiou])", "j"),
    (r"(?<=[aeiou])y", "j"),
    (r"y", "i"),
    # a final vowel + i is a vowel + й in Latin (Andrei, Nikolai, Sergei)
    (r"(?<=[aeou])i$", "j"),
])

# German/Polish/Czech/scholarly "ch" is х, English "ch" is ч.
_CH_IS_KH = re.compile(r"sch|w|sz|cz|[šžčŝŭ]|ł")
_POLISH = re.compile(r"sz|cz|ł|ż|ś")
# German spelling cues (German sch is ш and z is ц; without them "sch" is the English/
# Yandex spelling of щ, as in Scherbakov)
_GERMAN = re.compile(r"w|tsch|ss|sch.*sch")

# Rules shared by both scripts, on the internal alphabet.
_SHARED_RULES = _compile([
    # Belarusian ў is u in Latin: final -оў/-еў/-аў (Іваноў, Ivanou) are -ov/-ev/-av
    (r"(?<=[aeo])u$", "v"),
    (r"'(?=[aeiou])", "j"),
    (r"'", ""),
    (r"i(?=[aeou])", "j"),
    (r"ij(?=[aeou])", "j"),
    (r"jj+", "j"),
    (r"(?<=[^aeiouj])jo", "e"),
    (r"je", "e"),
    (r"ji", "i"),
    (r"(?<=[aeou])i(?=[^aeiouj])", "j"),
    (r"(?<=[^aeiouj])i$", "ij"),
    (r"([bvgdzZklmnprstfCQSW])\1+", r"\1"),
    # feminine adjectival surnames: Russian -ская = Ukrainian/Polish -ська/-ska
    (r"(?<=[szC]k)aja$", "a"),
])

_RENDER = str.maketrans({"Z": "zh", "C": "ts", "Q": "ch", "S": "sh", "W": "shch"})
_TOKEN_SPLIT = re.compile(r"[^\w']+")
_COMBINING = re.compile("[\u0300-\u036f]")
_SCHOLARLY = re.compile("[čšžŝʹʺěǐĭ]|^x(?=[^aeiouy])")
_NON_KEY = re.compile(r"[^a-zA-Z']")


def has_cyrillic(text: str) -> bool:
    """Whether ``text`` contains at least one Cyrillic letter."""
    return _CYR_RE.search(text) is not None


def script_of(text: str | None) -> str | None:
    """Return ``'cyrillic'``, ``'latin'``, ``'mixed'`` or ``None`` (no letters)."""
    if not text:
        return None
    cyr = _CYR_RE.search(text) is not None
    lat = _LAT_RE.search(text) is not None
    if cyr and lat:
        return "mixed"
    if cyr:
        return "cyrillic"
    if lat:
        return "latin"
    return None


def _repair_token(tok: str) -> str:
    """Repair a token that mixes scripts by moving homoglyphs to its majority script."""
    cyr = len(_CYR_RE.findall(tok))
    lat = len(_LAT_RE.findall(tok))
    if cyr and lat:
        return tok.translate(_LAT_TO_CYR) if cyr >= lat else tok.translate(_CYR_TO_LAT)
    return tok


_MIXED = re.compile(r"[\u0400-\u04FF][A-Za-z\u00C0-\u024F]|[A-Za-z\u00C0-\u024F][\u0400-\u04FF]")
_NEEDS_WORK = re.compile(
    "[" + re.escape("ʼ’‘`´′ʹʺ″\"‐‑‒–—―") + r"\t\n\r\f\v]|  |\s[,.]|[,.](?=\S)|^[\s,]|[\s,]$"
)


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Normalise a name string without changing its script or letter case.

    NFC, one kind of apostrophe and dash, homoglyph repair inside mixed-script tokens,
    a space after commas and full stops, single spaces.  Idempotent:
    ``normalize(normalize(x)) == normalize(x)`` (property-tested).

    Parameters
    ----------
    text : str
        A name as written.

    Returns
    -------
    str
        The normalised string.
    """
    t = text
    for _ in range(8):  # repairs can enable one another (homoglyph + combining mark)
        nxt = _normalize_once(t)
        if nxt == t:
            break
        t = nxt
    return t


def _normalize_once(text: str) -> str:
    t = text if text.isascii() else _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    if _MIXED.search(t):
        t = unicodedata.normalize("NFC", " ".join(_repair_token(x) for x in t.split(" ")))
    if not _NEEDS_WORK.search(t):  # fast path: nothing below would change t
        return t
    t = t.translate(_APOSTROPHES).translate(_DASHES)
    t = t.replace(",", " , ").replace(".", ". ")
    out = " ".join(_repair_token(x) for x in t.split())
    out = out.replace(" , ", ", ").replace(" ,", ",")
    out = re.sub(r"\s+\.", ".", out).strip(" ,")
    out = re.sub(r"\s+", " ", out)
    return unicodedata.normalize("NFC", out)


def _latin_internal(tok: str) -> str:
    if has_cyrillic(tok):  # stray Cyrillic letters left in a Latin token (e.g. "Fёdor")
        tok = "".join(_CYR_MAP.get(c, c) if _CYR_RE.match(c) else c for c in tok)
    kh = _CH_IS_KH.search(tok) is not None
    german = _GERMAN.search(tok) is not None
    polish = _POLISH.search(tok) is not None
    if _SCHOLARLY.search(tok):  # scholarly/ISO transliteration writes х as x
        tok = tok.replace("x", "g")
    for src, dst in _LAT_SPECIAL:
        if src in tok:
            tok = tok.replace(src, dst)
    tok = "".join(c for c in unicodedata.normalize("NFD", tok) if not unicodedata.combining(c))
    for pat, rep, needle in _LATIN_RULES_1:
        if needle in tok:
            tok = pat.sub(rep, tok)
        if rep == "Q":  # after schtsch/tsch, resolve the remaining "sch"
            tok = tok.replace("sch", "S" if german else "W")
    tok = tok.replace("ch", "g" if kh else "Q")
    if polish:
        tok = tok.replace("rz", "Z")
    if german:
        tok = tok.replace("z", "C")
    for pat, rep, needle in _LATIN_RULES_2:
        if needle in tok:
            tok = pat.sub(rep, tok)
    # A lone c in a Latin Slavic name is ц (GOST, ISO 9, Czech, Polish: Kuznecov,
    # Odincov); English-style к only before l/r/k/t and at the end (Clara, Victor, Eric).
    # Western given-name spellings with c = к (Nicolai, Constantine) are in the lexicon.
    tok = re.sub(r"c(?=[lrkt]|$)", "k", tok)
    tok = tok.replace("c", "C").replace("h", "g")
    return tok


@lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    """Fold one word (any script, any case) to its comparison key.

    See the module docstring for the rules.  Returns ``''`` for a token without letters.
    """
    tok = unicodedata.normalize("NFC", token).translate(_APOSTROPHES).lower()
    tok = _repair_token(tok)
    if has_cyrillic(tok) and not _LAT_RE.search(tok):
        inner = tok.translate(_CYR_TABLE)
    else:
        inner = _latin_internal(tok)
    inner = _NON_KEY.sub("", inner)
    for pat, rep, needle in _SHARED_RULES:
        if needle in inner:
            inner = pat.sub(rep, inner)
    return inner.translate(_RENDER)


@lru_cache(maxsize=500_000)
def fold_key(text: str | None) -> str:
    """Return the transliteration-invariant comparison key of a name or name part.

    Иванов, Ivanov, Ivanou, Iwanow and IVANOV give ``ivanov``; Шевченко, Shevchenko,
    Schewtschenko and Ševčenko give ``shevchenko``.  Words are folded one by one and joined
    by single spaces (hyphens separate words too).

    Parameters
    ----------
    text : str or None
        Any name text.

    Returns
    -------
    str
        Lowercase ASCII key (``''`` for empty input).
    """
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).translate(_DASHES)
    t = _INVISIBLE.sub("", _COMBINING.sub("", t))  # e.g. the ALA-LC tie in "T͡svetkov"
    parts = [fold_token(p) for p in _TOKEN_SPLIT.split(t.replace("_", " ")) if p]
    return " ".join(p for p in parts if p)
