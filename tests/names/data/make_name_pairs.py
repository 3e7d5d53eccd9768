"""Write tests/names/data/name_pairs.csv: labelled name pairs for evaluating name keys.

The pairs are written by hand (case forms, diminutives, Ukrainian/Belarusian equivalents,
German/Polish/loose spellings, conflicts and namesakes) plus transliterations of hand-written
Cyrillic names produced with *iuliia* schemes (an independent implementation of the official
systems).  Nothing here imports uncounted, so the labels do not depend on the code under test.

Run: ``.venv/bin/python tests/names/data/make_name_pairs.py`` (deterministic).
"""

from __future__ import annotations

import csv
import random
import warnings
from pathlib import Path

warnings.simplefilter("ignore", DeprecationWarning)

import iuliia  # noqa: E402

# Cyrillic people: family, given, patronymic, sex, genitive, dative, instrumental (full FIO)
PEOPLE = [
    ("Иванов", "Александр", "Петрович", "M", "Иванова Александра Петровича",
     "Иванову Александру Петровичу", "Ивановым Александром Петровичем"),
    ("Петров", "Сергей", "Николаевич", "M", "Петрова Сергея Николаевича",
     "Петрову Сергею Николаевичу", "Петровым Сергеем Николаевичем"),
    ("Смирнов", "Дмитрий", "Иванович", "M", "Смирнова Дмитрия Ивановича",
     "Смирнову Дмитрию Ивановичу", "Смирновым Дмитрием Ивановичем"),
    ("Кузнецов", "Андрей", "Викторович", "M", "Кузнецова Андрея Викторовича",
     "Кузнецову Андрею Викторовичу", "Кузнецовым Андреем Викторовичем"),
    ("Соколов", "Алексей", "Владимирович", "M", "Соколова Алексея Владимировича",
     "Соколову Алексею Владимировичу", "Соколовым Алексеем Владимировичем"),
    ("Попов", "Михаил", "Юрьевич", "M", "Попова Михаила Юрьевича",
     "Попову Михаилу Юрьевичу", "Поповым Михаилом Юрьевичем"),
    ("Лебедев", "Евгений", "Сергеевич", "M", "Лебедева Евгения Сергеевича",
     "Лебедеву Евгению Сергеевичу", "Лебедевым Евгением Сергеевичем"),
    ("Козлов", "Юрий", "Алексеевич", "M", "Козлова Юрия Алексеевича",
     "Козлову Юрию Алексеевичу", "Козловым Юрием Алексеевичем"),
    ("Новиков", "Игорь", "Васильевич", "M", "Новикова Игоря Васильевича",
     "Новикову Игорю Васильевичу", "Новиковым Игорем Васильевичем"),
    ("Морозов", "Николай", "Андреевич", "M", "Морозова Николая Андреевича",
     "Морозову Николаю Андреевичу", "Морозовым Николаем Андреевичем"),
    ("Волков", "Владимир", "Григорьевич", "M", "Волкова Владимира Григорьевича",
     "Волкову Владимиру Григорьевичу", "Волковым Владимиром Григорьевичем"),
    ("Соловьёв", "Павел", "Дмитриевич", "M", "Соловьёва Павла Дмитриевича",
     "Соловьёву Павлу Дмитриевичу", "Соловьёвым Павлом Дмитриевичем"),
    ("Васильев", "Илья", "Фёдорович", "M", "Васильева Ильи Фёдоровича",
     "Васильеву Илье Фёдоровичу", "Васильевым Ильёй Фёдоровичем"),
    ("Зайцев", "Артём", "Олегович", "M", "Зайцева Артёма Олеговича",
     "Зайцеву Артёму Олеговичу", "Зайцевым Артёмом Олеговичем"),
    ("Павлов", "Максим", "Игоревич", "M", "Павлова Максима Игоревича",
     "Павлову Максиму Игоревичу", "Павловым Максимом Игоревичем"),
    ("Семёнов", "Константин", "Павлович", "M", "Семёнова Константина Павловича",
     "Семёнову Константину Павловичу", "Семёновым Константином Павловичем"),
    ("Голубев", "Виктор", "Степанович", "M", "Голубева Виктора Степановича",
     "Голубеву Виктору Степановичу", "Голубевым Виктором Степановичем"),
    ("Виноградов", "Роман", "Ильич", "M", "Виноградова Романа Ильича",
     "Виноградову Роману Ильичу", "Виноградовым Романом Ильичом"),
    ("Богданов", "Денис", "Анатольевич", "M", "Богданова Дениса Анатольевича",
     "Богданову Денису Анатольевичу", "Богдановым Денисом Анатольевичем"),
    ("Воробьёв", "Кирилл", "Евгеньевич", "M", "Воробьёва Кирилла Евгеньевича",
     "Воробьёву Кириллу Евгеньевичу", "Воробьёвым Кириллом Евгеньевичем"),
    ("Фёдоров", "Станислав", "Валерьевич", "M", "Фёдорова Станислава Валерьевича",
     "Фёдорову Станиславу Валерьевичу", "Фёдоровым Станиславом Валерьевичем"),
    ("Михайлов", "Вячеслав", "Борисович", "M", "Михайлова Вячеслава Борисовича",
     "Михайлову Вячеславу Борисовичу", "Михайловым Вячеславом Борисовичем"),
    ("Щербаков", "Григорий", "Константинович", "M", "Щербакова Григория Константиновича",
     "Щербакову Григорию Константиновичу", "Щербаковым Григорием Константиновичем"),
    ("Цветков", "Анатолий", "Романович", "M", "Цветкова Анатолия Романовича",
     "Цветкову Анатолию Романовичу", "Цветковым Анатолием Романовичем"),
    ("Хрущёв", "Георгий", "Максимович", "M", "Хрущёва Георгия Максимовича",
     "Хрущёву Георгию Максимовичу", "Хрущёвым Георгием Максимовичем"),
    ("Ильин", "Василий", "Никитич", "M", "Ильина Василия Никитича",
     "Ильину Василию Никитичу", "Ильиным Василием Никитичем"),
    ("Крылов", "Тимофей", "Аркадьевич", "M", "Крылова Тимофея Аркадьевича",
     "Крылову Тимофею Аркадьевичу", "Крыловым Тимофеем Аркадьевичем"),
    ("Шевченко", "Тарас", "Григорьевич", "M", "Шевченко Тараса Григорьевича",
     "Шевченко Тарасу Григорьевичу", "Шевченко Тарасом Григорьевичем"),
    ("Бондаренко", "Олег", "Викторович", "M", "Бондаренко Олега Викторовича",
     "Бондаренко Олегу Викторовичу", "Бондаренко Олегом Викторовичем"),
    ("Ковальчук", "Богдан", "Ярославович", "M", "Ковальчука Богдана Ярославовича",
     "Ковальчуку Богдану Ярославовичу", "Ковальчуком Богданом Ярославовичем"),
    ("Мельник", "Степан", "Иванович", "M", "Мельника Степана Ивановича",
     "Мельнику Степану Ивановичу", "Мельником Степаном Ивановичем"),
    ("Березовский", "Антон", "Львович", "M", "Березовского Антона Львовича",
     "Березовскому Антону Львовичу", "Березовским Антоном Львовичем"),
    ("Иванова", "Мария", "Петровна", "F", "Ивановой Марии Петровны",
     "Ивановой Марии Петровне", "Ивановой Марией Петровной"),
    ("Петрова", "Анна", "Сергеевна", "F", "Петровой Анны Сергеевны",
     "Петровой Анне Сергеевне", "Петровой Анной Сергеевной"),
    ("Смирнова", "Елена", "Александровна", "F", "Смирновой Елены Александровны",
     "Смирновой Елене Александровне", "Смирновой Еленой Александровной"),
    ("Кузнецова", "Ольга", "Николаевна", "F", "Кузнецовой Ольги Николаевны",
     "Кузнецовой Ольге Николаевне", "Кузнецовой Ольгой Николаевной"),
    ("Соколова", "Татьяна", "Юрьевна", "F", "Соколовой Татьяны Юрьевны",
     "Соколовой Татьяне Юрьевне", "Соколовой Татьяной Юрьевной"),
    ("Волкова", "Наталья", "Ивановна", "F", "Волковой Натальи Ивановны",
     "Волковой Наталье Ивановне", "Волковой Натальей Ивановной"),
    ("Новикова", "Юлия", "Андреевна", "F", "Новиковой Юлии Андреевны",
     "Новиковой Юлии Андреевне", "Новиковой Юлией Андреевной"),
    ("Ковальская", "Екатерина", "Дмитриевна", "F", "Ковальской Екатерины Дмитриевны",
     "Ковальской Екатерине Дмитриевне", "Ковальской Екатериной Дмитриевной"),
    ("Шевчук", "Ирина", "Богдановна", "F", "Шевчук Ирины Богдановны",
     "Шевчук Ирине Богдановне", "Шевчук Ириной Богдановной"),
    ("Морозова", "Светлана", "Игоревна", "F", "Морозовой Светланы Игоревны",
     "Морозовой Светлане Игоревне", "Морозовой Светланой Игоревной"),
    ("Лебедева", "Людмила", "Васильевна", "F", "Лебедевой Людмилы Васильевны",
     "Лебедевой Людмиле Васильевне", "Лебедевой Людмилой Васильевной"),
    ("Зайцева", "Александра", "Олеговна", "F", "Зайцевой Александры Олеговны",
     "Зайцевой Александре Олеговне", "Зайцевой Александрой Олеговной"),
]

SCHEMES = [
    ("icao", iuliia.ICAO_DOC_9303), ("bgn_pcgn", iuliia.BGN_PCGN), ("gost_779", iuliia.GOST_779),
    ("wikipedia", iuliia.WIKIPEDIA), ("mvd_782", iuliia.MVD_782), ("scientific", iuliia.SCIENTIFIC),
    ("ala_lc", iuliia.ALA_LC), ("telegram", iuliia.TELEGRAM), ("bs_2979", iuliia.BS_2979),
]

# Hand-written pairs: (a, b, same, class)
HAND = [
    # loose English, German, Polish, French spellings
    ("Юрий Иванов", "Yuri Ivanov", 1, "translit_loose"),
    ("Юрий Иванов", "Juri Iwanow", 1, "translit_german"),
    ("Юрий Иванов", "Jurij Iwanow", 1, "translit_polish"),
    ("Юрий Иванов", "Youri Ivanoff", 1, "translit_french"),
    ("Шевченко Тарас", "Schewtschenko Taras", 1, "translit_german"),
    ("Шевченко Тарас", "Szewczenko Taras", 1, "translit_polish"),
    ("Шевченко Тарас", "Ševčenko Taras", 1, "translit_scholarly"),
    ("Хрущёв Никита", "Khrushchev Nikita", 1, "translit_loose"),
    ("Хрущёв Никита", "Chruschtschow Nikita", 1, "translit_german"),
    ("Дмитрий Смирнов", "Dmitriy Smirnov", 1, "translit_loose"),
    ("Дмитрий Смирнов", "Dmitry Smirnoff", 1, "translit_loose"),
    ("Дмитрий Смирнов", "Dimitri Smirnow", 1, "translit_german"),
    ("Евгений Лебедев", "Yevgeny Lebedev", 1, "translit_loose"),
    ("Евгений Лебедев", "Eugene Lebedev", 1, "translit_loose"),
    ("Евгений Лебедев", "Jewgeni Lebedew", 1, "translit_german"),
    ("Алексей Соколов", "Alexei Sokolov", 1, "translit_loose"),
    ("Алексей Соколов", "Alexey Sokolov", 1, "translit_loose"),
    ("Алексей Соколов", "Aleksey Sokolow", 1, "translit_german"),
    ("Александр Иванов", "Alexander Ivanov", 1, "translit_loose"),
    ("Александр Иванов", "Alexandre Ivanoff", 1, "translit_french"),
    ("Михаил Попов", "Mikhail Popov", 1, "translit_loose"),
    ("Михаил Попов", "Michail Popow", 1, "translit_german"),
    ("Михаил Попов", "Michael Popov", 1, "translit_loose"),
    ("Пётр Петров", "Pyotr Petrov", 1, "translit_loose"),
    ("Пётр Петров", "Peter Petrov", 1, "translit_loose"),
    ("Пётр Петров", "Piotr Pietrow", 1, "translit_polish"),
    ("Фёдор Фёдоров", "Fyodor Fyodorov", 1, "translit_loose"),
    ("Фёдор Фёдоров", "Fedor Fedorov", 1, "translit_loose"),
    ("Фёдор Фёдоров", "Fjodor Fjodorow", 1, "translit_german"),
    ("Цветков Анатолий", "Zwetkow Anatoli", 1, "translit_german"),
    ("Цветков Анатолий", "Tsvetkov Anatoly", 1, "translit_loose"),
    ("Кузнецов Андрей", "Kusnezow Andrej", 1, "translit_german"),
    ("Кузнецов Андрей", "Kuznetsov Andrei", 1, "translit_loose"),
    ("Воробьёв Кирилл", "Vorobyov Kirill", 1, "translit_loose"),
    ("Воробьёв Кирилл", "Vorobiev Kiril", 1, "translit_loose"),
    ("Ильин Василий", "Ilyin Vasily", 1, "translit_loose"),
    ("Ильин Василий", "Iljin Wassili", 1, "translit_german"),
    ("Щербаков Григорий", "Shcherbakov Grigory", 1, "translit_loose"),
    ("Щербаков Григорий", "Scherbakov Grigoriy", 1, "translit_loose"),
    ("Мария Иванова", "Maria Ivanova", 1, "translit_loose"),
    ("Мария Иванова", "Mariya Ivanova", 1, "translit_loose"),
    ("Наталья Волкова", "Natalia Volkova", 1, "translit_loose"),
    ("Наталья Волкова", "Natalya Wolkowa", 1, "translit_german"),
    ("Татьяна Соколова", "Tatiana Sokolova", 1, "translit_loose"),
    ("Татьяна Соколова", "Tatjana Sokolowa", 1, "translit_german"),
    ("Юлия Новикова", "Julia Novikova", 1, "translit_loose"),
    ("Юлия Новикова", "Yulia Nowikowa", 1, "translit_german"),
    ("Екатерина Ковальская", "Ekaterina Kovalskaya", 1, "translit_loose"),
    ("Екатерина Ковальская", "Katarzyna Kowalska", 1, "translit_polish"),
    ("Ирина Шевчук", "Iryna Shevchuk", 1, "translit_ukrainian"),
    # diminutives
    ("Саша Иванов", "Александр Иванов", 1, "diminutive"),
    ("Sasha Ivanov", "Иванов Александр Петрович", 1, "diminutive"),
    ("Шура Иванов", "Александр Иванов", 1, "diminutive"),
    ("Саня Иванов", "Aleksandr Ivanov", 1, "diminutive"),
    ("Серёжа Петров", "Сергей Петров", 1, "diminutive"),
    ("Seryozha Petrov", "Сергей Петров", 1, "diminutive"),
    ("Дима Смирнов", "Дмитрий Смирнов", 1, "diminutive"),
    ("Dima Smirnov", "Dmitry Smirnov", 1, "diminutive"),
    ("Андрюша Кузнецов", "Андрей Кузнецов", 1, "diminutive"),
    ("Лёша Соколов", "Алексей Соколов", 1, "diminutive"),
    ("Алёша Соколов", "Alexei Sokolov", 1, "diminutive"),
    ("Миша Попов", "Михаил Попов", 1, "diminutive"),
    ("Misha Popov", "Михаил Юрьевич Попов", 1, "diminutive"),
    ("Женя Лебедев", "Евгений Лебедев", 1, "diminutive"),
    ("Юра Козлов", "Юрий Козлов", 1, "diminutive"),
    ("Yura Kozlov", "Yuri Kozlov", 1, "diminutive"),
    ("Коля Морозов", "Николай Морозов", 1, "diminutive"),
    ("Kolya Morozov", "Nikolai Morozov", 1, "diminutive"),
    ("Володя Волков", "Владимир Волков", 1, "diminutive"),
    ("Вова Волков", "Vladimir Volkov", 1, "diminutive"),
    ("Паша Соловьёв", "Павел Соловьёв", 1, "diminutive"),
    ("Илюша Васильев", "Илья Васильев", 1, "diminutive"),
    ("Тёма Зайцев", "Артём Зайцев", 1, "diminutive"),
    ("Макс Павлов", "Максим Павлов", 1, "diminutive"),
    ("Костя Семёнов", "Константин Семёнов", 1, "diminutive"),
    ("Витя Голубев", "Виктор Голубев", 1, "diminutive"),
    ("Рома Виноградов", "Роман Виноградов", 1, "diminutive"),
    ("Толя Цветков", "Анатолий Цветков", 1, "diminutive"),
    ("Гриша Щербаков", "Григорий Щербаков", 1, "diminutive"),
    ("Вася Ильин", "Василий Ильин", 1, "diminutive"),
    ("Стас Фёдоров", "Станислав Фёдоров", 1, "diminutive"),
    ("Слава Михайлов", "Вячеслав Михайлов", 1, "diminutive"),
    ("Маша Иванова", "Мария Иванова", 1, "diminutive"),
    ("Masha Ivanova", "Maria Ivanova", 1, "diminutive"),
    ("Аня Петрова", "Анна Петрова", 1, "diminutive"),
    ("Лена Смирнова", "Елена Смирнова", 1, "diminutive"),
    ("Оля Кузнецова", "Ольга Кузнецова", 1, "diminutive"),
    ("Таня Соколова", "Татьяна Соколова", 1, "diminutive"),
    ("Наташа Волкова", "Наталья Волкова", 1, "diminutive"),
    ("Natasha Volkova", "Natalia Volkova", 1, "diminutive"),
    ("Юля Новикова", "Юлия Новикова", 1, "diminutive"),
    ("Катя Ковальская", "Екатерина Ковальская", 1, "diminutive"),
    ("Ира Шевчук", "Ирина Шевчук", 1, "diminutive"),
    ("Света Морозова", "Светлана Морозова", 1, "diminutive"),
    ("Люда Лебедева", "Людмила Лебедева", 1, "diminutive"),
    ("Саша Зайцева", "Александра Зайцева", 1, "diminutive"),
    ("Sasha Zaytseva", "Aleksandra Zaitseva", 1, "diminutive"),
    ("Ваня Мельник", "Иван Мельник", 1, "diminutive"),
    ("Стёпа Мельник", "Степан Мельник", 1, "diminutive"),
    ("Олесь Бондаренко", "Олександр Бондаренко", 1, "diminutive"),
    ("Петрусь Ковальчук", "Пётр Ковальчук", 1, "diminutive"),
    # Ukrainian and Belarusian equivalents of given names
    ("Олександр Іванов", "Александр Иванов", 1, "uk_equivalent"),
    ("Oleksandr Ivanov", "Aleksandr Ivanov", 1, "uk_equivalent"),
    ("Олексій Соколов", "Алексей Соколов", 1, "uk_equivalent"),
    ("Oleksiy Sokolov", "Alexei Sokolov", 1, "uk_equivalent"),
    ("Андрій Кузнецов", "Андрей Кузнецов", 1, "uk_equivalent"),
    ("Andriy Kuznetsov", "Andrey Kuznetsov", 1, "uk_equivalent"),
    ("Дмитро Смирнов", "Дмитрий Смирнов", 1, "uk_equivalent"),
    ("Dmytro Smyrnov", "Dmitry Smirnov", 1, "uk_equivalent"),
    ("Микола Морозов", "Николай Морозов", 1, "uk_equivalent"),
    ("Mykola Morozov", "Nikolay Morozov", 1, "uk_equivalent"),
    ("Михайло Попов", "Михаил Попов", 1, "uk_equivalent"),
    ("Mykhailo Popov", "Mikhail Popov", 1, "uk_equivalent"),
    ("Сергій Петров", "Сергей Петров", 1, "uk_equivalent"),
    ("Serhiy Petrov", "Sergey Petrov", 1, "uk_equivalent"),
    ("Євген Лебедєв", "Евгений Лебедев", 1, "uk_equivalent"),
    ("Yevhen Lebediev", "Yevgeny Lebedev", 1, "uk_equivalent"),
    ("Юрій Козлов", "Юрий Козлов", 1, "uk_equivalent"),
    ("Володимир Волков", "Владимир Волков", 1, "uk_equivalent"),
    ("Volodymyr Volkov", "Vladimir Volkov", 1, "uk_equivalent"),
    ("Павло Соловйов", "Павел Соловьёв", 1, "uk_equivalent"),
    ("Ілля Васильєв", "Илья Васильев", 1, "uk_equivalent"),
    ("Григорій Щербаков", "Григорий Щербаков", 1, "uk_equivalent"),
    ("Hryhoriy Shcherbakov", "Grigory Shcherbakov", 1, "uk_equivalent"),
    ("Федір Федоров", "Фёдор Фёдоров", 1, "uk_equivalent"),
    ("Петро Петров", "Пётр Петров", 1, "uk_equivalent"),
    ("Іван Мельник", "Иван Мельник", 1, "uk_equivalent"),
    ("Ганна Петрова", "Анна Петрова", 1, "uk_equivalent"),
    ("Hanna Petrova", "Anna Petrova", 1, "uk_equivalent"),
    ("Олена Смирнова", "Елена Смирнова", 1, "uk_equivalent"),
    ("Olena Smyrnova", "Elena Smirnova", 1, "uk_equivalent"),
    ("Тетяна Соколова", "Татьяна Соколова", 1, "uk_equivalent"),
    ("Tetiana Sokolova", "Tatiana Sokolova", 1, "uk_equivalent"),
    ("Наталія Волкова", "Наталья Волкова", 1, "uk_equivalent"),
    ("Катерина Ковальська", "Екатерина Ковальская", 1, "uk_equivalent"),
    ("Надія Іванова", "Надежда Иванова", 1, "uk_equivalent"),
    ("Світлана Морозова", "Светлана Морозова", 1, "uk_equivalent"),
    ("Аляксандр Іваноў", "Александр Иванов", 1, "be_equivalent"),
    ("Aliaksandr Ivanou", "Aleksandr Ivanov", 1, "be_equivalent"),
    ("IVANOU Aliaksandr", "Иванов Александр", 1, "be_equivalent"),
    ("Сяргей Пятроў", "Сергей Петров", 1, "be_equivalent"),
    ("Siarhei Piatrou", "Sergei Petrov", 1, "be_equivalent"),
    ("Дзмітрый Смірноў", "Дмитрий Смирнов", 1, "be_equivalent"),
    ("Dzmitry Smirnou", "Dmitry Smirnov", 1, "be_equivalent"),
    ("Уладзімір Валкоў", "Владимир Волков", 1, "be_equivalent"),
    ("Uladzimir Valkou", "Vladimir Volkov", 1, "be_equivalent"),
    ("Міхаіл Папоў", "Михаил Попов", 1, "be_equivalent"),
    ("Мікалай Марозаў", "Николай Морозов", 1, "be_equivalent"),
    ("Mikalai Marozau", "Nikolai Morozov", 1, "be_equivalent"),
    ("Яўген Лебедзеў", "Евгений Лебедев", 1, "be_equivalent"),
    ("Yauhen Lebedzeu", "Evgeny Lebedev", 1, "be_equivalent"),
    ("Вольга Кузняцова", "Ольга Кузнецова", 1, "be_equivalent"),
    ("Volha Kuzniatsova", "Olga Kuznetsova", 1, "be_equivalent"),
    ("Таццяна Сакалова", "Татьяна Соколова", 1, "be_equivalent"),
    ("Tatsiana Sakalova", "Tatiana Sokolova", 1, "be_equivalent"),
    ("Кацярына Кавальская", "Екатерина Ковальская", 1, "be_equivalent"),
    ("Юрый Казлоў", "Юрий Козлов", 1, "be_equivalent"),
    ("Iury Kazlou", "Yuri Kozlov", 1, "be_equivalent"),
    ("Andrei Kuzniatsou", "Андрей Кузнецов", 1, "be_equivalent"),
    # Ukrainian surname forms of Russian surnames
    ("Олійник Іван", "Олейник Иван", 1, "uk_surname"),
    ("Ковальов Петро", "Ковалёв Пётр", 1, "uk_surname"),
    ("Соловйов Павло", "Соловьёв Павел", 1, "uk_surname"),
    ("Гончаренко Олег", "Honcharenko Oleh", 1, "uk_surname"),
    ("Гончаренко Олег", "Goncharenko Oleg", 1, "uk_surname"),
    # letter case and homoglyphs
    ("ИВАНОВ АЛЕКСАНДР ПЕТРОВИЧ", "Иванов Александр Петрович", 1, "letter_case"),
    ("иванов александр петрович", "Иванов Александр Петрович", 1, "letter_case"),
    ("SMIRNOV DMITRY", "Smirnov Dmitry", 1, "letter_case"),
    ("ivanova maria", "IVANOVA MARIA", 1, "letter_case"),
    ("Ивaнов Aлександр", "Иванов Александр", 1, "homoglyph"),
    ("Петpов Cергей", "Петров Сергей", 1, "homoglyph"),
    ("Kузнецов Андрей", "Кузнецов Андрей", 1, "homoglyph"),
    # order
    ("Ivanov, Aleksandr", "Aleksandr Ivanov", 1, "order"),
    ("IVANOV Aleksandr", "Aleksandr Ivanov", 1, "order"),
    ("Иванов Александр Петрович", "Александр Петрович Иванов", 1, "order"),
    ("Петров Сергей", "Сергей Петров", 1, "order"),
    ("SMIRNOV Dmitry", "Dmitry Smirnov", 1, "order"),
    ("Kozlov, Yuri", "Yuri Kozlov", 1, "order"),
    ("Морозов, Николай Андреевич", "Николай Андреевич Морозов", 1, "order"),
    ("Волкова Наталья", "Наталья Волкова", 1, "order"),
    ("Shevchenko, Taras", "Taras Shevchenko", 1, "order"),
    ("NOVIKOVA Yulia", "Yulia Novikova", 1, "order"),
    # initials
    ("Иванов А.П.", "Иванов Александр Петрович", 1, "initials"),
    ("Иванов А. П.", "Иванов Александр Петрович", 1, "initials"),
    ("А.П. Иванов", "Александр Петрович Иванов", 1, "initials"),
    ("A. P. Ivanov", "Иванов Александр Петрович", 1, "initials"),
    ("Петров С.Н.", "Петров Сергей Николаевич", 1, "initials"),
    ("S. N. Petrov", "Petrov Sergei Nikolaevich", 1, "initials"),
    ("Смирнов Д.И.", "Смирнов Дмитрий Иванович", 1, "initials"),
    ("Кузнецова О.Н.", "Кузнецова Ольга Николаевна", 1, "initials"),
    ("Иванов А.П.", "Иванов Алексей Сергеевич", 0, "initials_conflict"),
    ("Петров С.Н.", "Петров Сергей Иванович", 0, "initials_conflict"),
    ("Смирнов Д.И.", "Смирнов Игорь Иванович", 0, "initials_conflict"),
    ("Кузнецова О.Н.", "Кузнецова Ирина Николаевна", 0, "initials_conflict"),
    # missing parts
    ("Иванов Александр", "Иванов Александр Петрович", 1, "missing_parts"),
    ("Петров Сергей", "Петров Сергей Николаевич", 1, "missing_parts"),
    ("Козлов Юрий", "Kozlov Yuriy Alekseevich", 1, "missing_parts"),
    ("Мария Иванова", "Иванова Мария Петровна", 1, "missing_parts"),
    ("Соколов", "Соколов Алексей Владимирович", 1, "missing_parts"),
    # patronymic conflicts (same family and given name, different fathers)
    ("Иванов Александр Петрович", "Иванов Александр Сергеевич", 0, "patronymic_conflict"),
    ("Петров Сергей Николаевич", "Петров Сергей Иванович", 0, "patronymic_conflict"),
    ("Смирнов Дмитрий Иванович", "Smirnov Dmitry Petrovich", 0, "patronymic_conflict"),
    ("Кузнецов Андрей Викторович", "Кузнецов Андрей Викторович", 1, "exact"),
    ("Иванова Мария Петровна", "Иванова Мария Ивановна", 0, "patronymic_conflict"),
    ("Шевченко Тарас Григорьевич", "Шевченко Тарас Миколайович", 0, "patronymic_conflict"),
    ("Мельник Степан Иванович", "Мельник Степан Іванович", 1, "uk_equivalent"),
    ("Морозов Николай Андреевич", "Морозов Николай Андріанович", 0, "patronymic_conflict"),
    ("Волков Владимир Григорьевич", "Volkov Vladimir Georgievich", 0, "patronymic_conflict"),
    ("Лебедев Евгений Сергеевич", "Лебедев Евгений Семёнович", 0, "patronymic_conflict"),
    # namesakes: different given names, same surname
    ("Иванов Александр", "Иванов Алексей", 0, "namesake"),
    ("Петров Сергей", "Петров Станислав", 0, "namesake"),
    ("Smirnov Dmitry", "Smirnov Denis", 0, "namesake"),
    ("Кузнецов Андрей", "Кузнецов Антон", 0, "namesake"),
    ("Соколов Алексей", "Соколов Александр", 0, "namesake"),
    ("Попов Михаил", "Попов Максим", 0, "namesake"),
    ("Лебедев Евгений", "Лебедев Егор", 0, "namesake"),
    ("Козлов Юрий", "Козлов Георгий", 0, "namesake"),
    ("Новиков Игорь", "Новиков Илья", 0, "namesake"),
    ("Морозов Николай", "Морозов Никита", 0, "namesake"),
    ("Волков Владимир", "Волков Владислав", 0, "namesake"),
    ("Васильев Илья", "Васильев Игорь", 0, "namesake"),
    ("Иванова Мария", "Иванова Марина", 0, "namesake"),
    ("Петрова Анна", "Петрова Алла", 0, "namesake"),
    ("Смирнова Елена", "Смирнова Евгения", 0, "namesake"),
    ("Кузнецова Ольга", "Кузнецова Олеся", 0, "namesake"),
    ("Соколова Татьяна", "Соколова Тамара", 0, "namesake"),
    ("Волкова Наталья", "Волкова Надежда", 0, "namesake"),
    ("Ivanov Yuri", "Ivanov Yakov", 0, "namesake"),
    ("Shevchenko Taras", "Shevchenko Tamara", 0, "namesake"),
    ("Юрий Иванов", "Юлий Иванов", 0, "namesake"),
    ("Саша Иванов", "Алексей Иванов", 0, "namesake"),
    ("Дима Смирнов", "Денис Смирнов", 0, "namesake"),
    ("Ivanov Oleksandr", "Ivanov Oleksiy", 0, "namesake"),
    ("Коля Морозов", "Костя Морозов", 0, "namesake"),
    # different family names (similar looking)
    ("Иванов Александр", "Иваненко Александр", 0, "different_family"),
    ("Петров Сергей", "Петренко Сергей", 0, "different_family"),
    ("Смирнов Дмитрий", "Смирницкий Дмитрий", 0, "different_family"),
    ("Кузнецов Андрей", "Кузьмин Андрей", 0, "different_family"),
    ("Соколов Алексей", "Сорокин Алексей", 0, "different_family"),
    ("Попов Михаил", "Попович Михаил", 0, "different_family"),
    ("Лебедев Евгений", "Лебедь Евгений", 0, "different_family"),
    ("Козлов Юрий", "Козлович Юрий", 0, "different_family"),
    ("Новиков Игорь", "Новицкий Игорь", 0, "different_family"),
    ("Морозов Николай", "Мороз Николай", 0, "different_family"),
    ("Ivanov Aleksandr", "Ivashov Aleksandr", 0, "different_family"),
    ("Shevchenko Taras", "Shevchuk Taras", 0, "different_family"),
    ("Kovalenko Oleh", "Kovalchuk Oleh", 0, "different_family"),
    ("Bondarenko Oleg", "Bondar Oleg", 0, "different_family"),
    ("Мельник Степан", "Мельников Степан", 0, "different_family"),
    ("Ильин Василий", "Ильинский Василий", 0, "different_family"),
    ("Крылов Тимофей", "Крылатов Тимофей", 0, "different_family"),
    ("Фёдоров Станислав", "Федотов Станислав", 0, "different_family"),
    ("Михайлов Вячеслав", "Михеев Вячеслав", 0, "different_family"),
    ("Зайцев Артём", "Зайченко Артём", 0, "different_family"),
    # female forms: a man and a woman of one family are different people
    ("Иванов Александр", "Иванова Александра", 0, "female_form"),
    ("Петров Сергей Николаевич", "Петрова Анна Николаевна", 0, "female_form"),
    ("Смирнов Дмитрий", "Смирнова Дарья", 0, "female_form"),
    ("Зайцев Александр Олегович", "Зайцева Александра Олеговна", 0, "female_form"),
    ("Ivanov Sasha", "Ivanova Sasha", 0, "female_form"),
    ("Евгений Лебедев", "Евгения Лебедева", 0, "female_form"),
    ("Ковальский Антон", "Ковальская Екатерина", 0, "female_form"),
    ("Иванова Мария", "Ivanova Maria", 1, "female_form"),
    ("Ковальская Екатерина", "Kovalskaya Ekaterina", 1, "female_form"),
    ("Ковальская Екатерина", "Kowalska Katarzyna", 1, "female_form"),
    ("Волкова Наталья", "Volkova Natalia", 1, "female_form"),
    ("Березовская Юлия", "Berezovskaya Yuliya", 1, "female_form"),
    ("Шевчук Ирина", "Shevchuk Iryna", 1, "female_form"),
    ("Иванова Мария", "Иванов Мария", 0, "female_form"),
]

# Transformations for templated pairs (all hand-written rules, no uncounted code)
def fio(p: tuple[str, ...]) -> str:
    return f"{p[0]} {p[1]} {p[2]}"


def main() -> None:
    rng = random.Random(20261125)
    rows: list[tuple[str, str, int, str]] = []
    for p in PEOPLE:
        full = fio(p)
        # script: Cyrillic FIO vs Latin transliteration in 3 schemes
        for name, sch in rng.sample(SCHEMES, 3):
            rows.append((full, sch.translate(full), 1, f"translit_{name}"))
        # two Latin systems against each other
        (n1, s1), (n2, s2) = rng.sample(SCHEMES, 2)
        rows.append((s1.translate(full), s2.translate(full), 1, "translit_cross"))
        # case forms
        rows.append((p[4], full, 1, "genitive"))
        rows.append((p[5], full, 1, "dative"))
        rows.append((p[6], full, 1, "instrumental"))
        # order: given patronymic family, "FAMILY, Given"
        rows.append((f"{p[1]} {p[2]} {p[0]}", full, 1, "order"))
        lat = iuliia.ICAO_DOC_9303.translate(p[0]).upper()
        rows.append((f"{lat}, {iuliia.ICAO_DOC_9303.translate(p[1])}", full, 1, "order_translit"))
    # namesakes built from the people list: same family, another person's given name
    for i, p in enumerate(PEOPLE):
        q = PEOPLE[(i + 7) % len(PEOPLE)]
        if q[3] == p[3] and q[1] != p[1]:
            rows.append((fio(p), f"{p[0]} {q[1]} {p[2]}", 0, "namesake"))
        r = PEOPLE[(i + 3) % len(PEOPLE)]
        if r[0] != p[0] and r[3] == p[3]:
            rows.append((fio(p), f"{r[0]} {p[1]} {p[2]}", 0, "different_family"))
    rows += HAND
    seen = set()
    out = []
    for a, b, same, cls in rows:
        if (a, b) in seen:
            continue
        seen.add((a, b))
        out.append((a, b, same, cls))
    path = Path(__file__).with_name("name_pairs.csv")
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "same", "variation_class"])
        w.writerows(out)


if __name__ == "__main__":
    main()
