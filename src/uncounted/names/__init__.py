"""Names across scripts: parsing, transliteration-invariant keys, aliases, case forms.

Public API (see docs/names.md):

* :func:`name_keys` — vectorised keys for a DataFrame of names (the linkage contract).
* :func:`parse_name` / :class:`ParsedName` — one name as written into its parts.
* :func:`fold_key` — the transliteration-invariant comparison key of any name text.
* :func:`normalize` — idempotent clean-up that keeps script and letter case.
* :func:`lookup_given`, :func:`patronymic_key`, :func:`phonetic_key` — the pieces.
"""

from uncounted.names.aliases import GivenName, lookup_given
from uncounted.names.keys import OUTPUT_COLUMNS, family_key, given_key, name_keys, patronymic_key
from uncounted.names.parse import ParsedName, parse_name
from uncounted.names.phonetic import phonetic_key
from uncounted.names.script import fold_key, normalize, script_of

__all__ = [
    "OUTPUT_COLUMNS",
    "GivenName",
    "ParsedName",
    "family_key",
    "fold_key",
    "given_key",
    "lookup_given",
    "name_keys",
    "normalize",
    "parse_name",
    "patronymic_key",
    "phonetic_key",
    "script_of",
]
