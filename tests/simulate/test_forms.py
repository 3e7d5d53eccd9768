"""Noise processes: case forms, romanisation, typos."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.simulate.forms import (
    belarusian_latin,
    feminine_surname,
    genitive_given,
    genitive_patronymic,
    genitive_surname,
    romanise,
    to_belarusian_surname,
    typo,
)


@pytest.mark.parametrize(("nom", "sex", "gen"), [
    ("Иванов", "M", "Иванова"), ("Соловьёв", "M", "Соловьёва"), ("Ильин", "M", "Ильина"),
    ("Высоцкий", "M", "Высоцкого"), ("Толстой", "M", "Толстого"), ("Черных", "M", "Черных"),
    ("Шевченко", "M", "Шевченко"), ("Шевчук", "M", "Шевчука"), ("Гоголь", "M", "Гоголя"),
    ("Монгуш", "M", "Монгуша"), ("Иванова", "F", "Ивановой"), ("Высоцкая", "F", "Высоцкой"),
    ("Шевчук", "F", "Шевчук"), ("Черных", "F", "Черных"),
])
def test_genitive_surname(nom, sex, gen):
    assert genitive_surname(nom, sex) == gen


@pytest.mark.parametrize(("nom", "gen"), [
    ("Александр", "Александра"), ("Андрей", "Андрея"), ("Игорь", "Игоря"), ("Илья", "Ильи"),
    ("Никита", "Никиты"), ("Пётр", "Петра"), ("Павел", "Павла"), ("Юрий", "Юрия"),
])
def test_genitive_given_and_patronymic(nom, gen):
    assert genitive_given(nom) == gen
    assert genitive_patronymic("Петрович") == "Петровича"
    assert genitive_patronymic("Ильинична") == "Ильиничны"


def test_feminine_and_belarusian_forms():
    assert feminine_surname("Кузнецов") == "Кузнецова"
    assert feminine_surname("Островский") == "Островская"
    assert feminine_surname("Шевченко") == "Шевченко"
    assert to_belarusian_surname("Иванов") == "Іваноў"
    assert belarusian_latin(to_belarusian_surname("Иванов")) == "Ivanou"
    assert belarusian_latin("Сяргей") == "Siarhei"
    assert belarusian_latin("Дзмітрый") == "Dzmitry"
    assert belarusian_latin("Уладзімір") == "Uladzimir"


def test_romanisation_systems_differ_as_documented():
    assert romanise("Юрьевич", "icao") == "Iurevich"
    assert romanise("Юрьевич", "bgn") == "Yuryevich"
    assert romanise("Соловьёв", "wikipedia") == "Solovyov"
    assert "ё" not in romanise("Соловьёв", "bgn")


def _damerau(a: str, b: str) -> int:
    d = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    d[:, 0] = range(len(a) + 1)
    d[0, :] = range(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i, j] = min(d[i, j], d[i - 2, j - 2] + 1)
    return int(d[-1, -1])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщыьэюяABCDEFGHIJKLMNOPQRSTUVWXYZ",
               min_size=1, max_size=15), st.integers(0, 2**32 - 1))
def test_typo_is_one_edit_and_keeps_the_first_letter(text, seed):
    out = typo(text, np.random.default_rng(seed))
    assert _damerau(text, out) <= 1
    assert out[:1] == text[:1]
