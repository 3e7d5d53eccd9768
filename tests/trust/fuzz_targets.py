"""Coverage-guided fuzz targets for atheris (libFuzzer), run by ``test_fuzz_atheris.py``.

Run one by hand::

    PYTHONPATH=src .venv/bin/python -m tests.trust.fuzz_targets xlsx -runs=100000 CORPUS_DIR

Each target lets only the library's own, documented exception out; anything else (or a hang,
or memory exhaustion) is a crash that libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys

import atheris

with atheris.instrument_imports(include=["uncounted"]):
    from uncounted.exceptions import IngestError, InputError
    from uncounted.store.attachments import safe_attachment_name
    from uncounted.store.safe_export import check_xlsx_safe, safe_cell, write_csv_safe


def xlsx(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        check_xlsx_safe(io.BytesIO(data), max_uncompressed=8 << 20)


def names(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(400)
    try:
        out = safe_attachment_name(text)
    except InputError:
        return
    if "/" in out or "\\" in out or "\x00" in out or out in (".", ".."):
        raise AssertionError(f"unsafe name accepted: {out!r}")


def cells(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    values = [fdp.ConsumeUnicodeNoSurrogates(40) for _ in range(fdp.ConsumeIntInRange(1, 6))]
    buf = io.StringIO()
    write_csv_safe(buf, ["a"] * len(values), [values])
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    if back[1] != [safe_cell(v) for v in values]:
        raise AssertionError(f"CSV round trip changed {values!r} into {back[1]!r}")


TARGETS = {"xlsx": xlsx, "names": names, "cells": cells}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
