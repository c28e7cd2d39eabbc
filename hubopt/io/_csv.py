"""Reading CSV files: refusing binary files and other delimiters, field counts, rows that do not match the header,
and row numbers that follow the file's lines.

Each check fails with an :class:`~hubopt.errors.InputError` that names the file and the row and says what to do.
Row numbers are file line numbers: with a header, the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hubopt.errors import InputError
from hubopt.io._files import looks_binary, require_file

#: Delimiters that hubopt recognises in order to refuse them by name (it reads comma-separated files only).
OTHER_DELIMITERS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (vertical bar)"}


def refuse_other_delimiter(head: bytes, *, path: str | Path, what: str) -> None:
    """Fail when the first line of a CSV file is split by a semicolon, tab or vertical bar rather than commas.

    Such a file (a spreadsheet saved with a European list separator, or a tab-separated export) would otherwise be
    read as one column, and refused with a message about columns or headers that does not say why.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (a few kilobytes).
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    """
    text = head.decode("utf-8-sig", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first or "¬" in first:
        return

    def fields(delimiter: str) -> int:
        return len(next(csv.reader([first], delimiter=delimiter), []))

    commas = fields(",")
    counts = {d: fields(d) for d in OTHER_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] >= 2 and counts[best] >= 2 * commas:
        raise InputError(
            f"the {what} uses {OTHER_DELIMITERS[best]} as its delimiter ({counts[best]} fields on its first line, "
            f"{commas} when split at commas); hubopt reads comma-separated files, as the publishers ship them",
            path=path,
            row=1,
            hint="save it as CSV with commas (in Excel: Save As, 'CSV (Comma delimited)'), or use the file as "
            "published",
        )


def read_csv_table(
    path: str | Path,
    *,
    what: str,
    header: bool = True,
    names: Sequence[str] | None = None,
    expected_fields: int | None = None,
) -> pd.DataFrame:
    """Read a CSV file with every value as text, failing clearly on anything that is not a readable CSV.

    Values are kept as strings (codes keep their leading zeros; blanks are empty strings) so that each loader
    decides how to parse numbers and reports the exact row when it cannot.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    what : str
        What the file should hold, for messages.
    header : bool
        Whether the first line is a header.
    names : sequence of str, optional
        Column names for a file without a header.
    expected_fields : int, optional
        For a file without a header: the number of fields every line must have.

    Returns
    -------
    pandas.DataFrame
        All columns as strings, with column names stripped of spaces and of a byte-order mark.
    """
    p = require_file(path, what)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    if not head.strip():
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if b"\x00" in head or head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    refuse_other_delimiter(head, path=p, what=what)

    def read(encoding: str) -> pd.DataFrame:
        return pd.read_csv(
            p,
            header=0 if header else None,
            names=list(names) if names is not None else None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=encoding,
        )

    try:
        df = read("utf-8-sig")
    except UnicodeDecodeError:  # not UTF-8: files saved by Excel on Windows are usually cp1252
        try:
            df = read("cp1252")
        except Exception as exc:
            raise InputError(f"the {what} could not be read as CSV: {exc}", path=p) from None
    except pd.errors.ParserError as exc:
        raise InputError(
            f"the {what} is not a well-formed CSV file: {exc}",
            path=p,
            hint="check the quoting and that every line has the same number of fields",
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"the {what} is empty", path=p) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if expected_fields is not None and not header:
        _check_field_count(p, what, expected_fields)
    return df


def _check_field_count(path: Path, what: str, expected: int) -> None:
    with path.open("rb") as fh:
        refuse_other_delimiter(fh.read(4096), path=path, what=what)
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        for line_no, fields in enumerate(csv.reader(fh), start=1):
            if fields and len(fields) != expected:
                raise InputError(
                    f"the {what} should have {expected} fields on every line but this line has {len(fields)}",
                    path=path,
                    row=line_no,
                    hint=f"check that this is the right kind of file (a {what})",
                )


def check_field_count(path: str | Path, *, what: str, expected: int, hint: str | None = None) -> None:
    """Fail unless every non-blank line of a CSV file has exactly ``expected`` fields.

    Use it before :func:`read_csv_table` for formats without a header, so that a file of another kind gets a
    message about the format rather than a CSV parser error.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file should hold, for messages.
    expected : int
        The number of fields every line must have.
    hint : str, optional
        What to do when a line has the wrong number of fields.
    """
    p = require_file(path, what)
    with p.open("rb") as fh:
        head = fh.read(4096)
    if looks_binary(head):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    refuse_other_delimiter(head, path=p, what=what)
    try:
        with p.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
            for line_no, fields in enumerate(csv.reader(fh), start=1):
                if fields and len(fields) != expected:
                    raise InputError(
                        f"this file is not a valid {what}: it should have exactly {expected} fields on every line, "
                        f"but this line has {len(fields)}",
                        path=p,
                        row=line_no,
                        hint=hint or f"check that this is the right kind of file (a {what})",
                    )
    except csv.Error as exc:
        raise InputError(f"the {what} is not a well-formed CSV file: {exc}", path=p) from None


def read_csv_records(path: str | Path, *, what: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Read a CSV file row by row, for files whose rows may not all have as many fields as the header.

    The delimiter is a comma, or ``¬`` when the header line holds one (the NHS website's data files). Blank lines
    are skipped.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    what : str
        What the file should hold, for messages.

    Returns
    -------
    header : list of str
        Header fields, stripped of spaces and of a byte-order mark.
    rows : list of list of str
        The data rows, as text.
    lines : list of int
        File line number on which each data row starts.
    """
    p = require_file(path, what)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc}", path=p) from None
    if not raw.strip():
        raise InputError(f"the {what} is empty", path=p, hint="check that the download or export finished")
    if looks_binary(raw[:4096]):
        raise InputError(
            f"the {what} is not a CSV text file (it looks like a spreadsheet, zip or other binary file)",
            path=p,
            hint="export or unzip it to CSV first",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = "¬" if "¬" in first_line else ","
    refuse_other_delimiter(raw[:4096], path=p, what=what)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if header is None:
                header = [f.strip().lstrip("\ufeff") for f in fields]
                continue
            rows.append(fields)
            lines.append(start)
    except csv.Error as exc:
        raise InputError(
            f"the {what} is not a well-formed CSV file: {exc}",
            path=p,
            row=reader.line_num,
            hint="check the quoting on this line",
        ) from None
    if header is None:  # pragma: no cover - a non-blank file always has a first row
        raise InputError(f"the {what} is empty", path=p)
    return header, rows, lines


def check_rows_match_header(df: pd.DataFrame, *, path: str | Path, what: str) -> None:
    """Fail if the data rows of a CSV file have one field more than its header.

    :func:`pandas.read_csv` then silently takes each row's first field as the index and shifts every value one
    column to the left. Call this on a table from :func:`read_csv_table` that should have a plain header.

    Parameters
    ----------
    df : pandas.DataFrame
        Table read by :func:`read_csv_table`.
    path : str or Path
        The file, for messages.
    what : str
        What the file should hold, for messages.
    """
    if not isinstance(df.index, pd.RangeIndex):
        raise InputError(
            f"the rows of the {what} have one field more than its header line, so the values would not line up "
            "with the column names",
            path=path,
            row=2,
            hint="remove the extra comma at the end of each row, or give the first column a name in the header",
        )


class renumber_rows:  # noqa: N801 - used like a function: ``with renumber_rows(...):``
    """Context manager that re-numbers the rows of the :class:`InputError` raised inside it.

    The shared checks number rows ``first_row + position``. Inside this block such numbers are translated to
    ``lines[position]`` (real file lines, when rows span several lines or some were skipped), or, with
    ``features=True``, to GeoJSON feature numbers (1 = first feature), both in the error's ``row`` and in any
    "row N" mentioned in its text.

    Parameters
    ----------
    lines : sequence of int, optional
        File line number of each position.
    features : bool
        Report GeoJSON feature numbers instead of rows.
    first_row : int
        The ``first_row`` the checks inside were given.
    """

    def __init__(self, lines: Sequence[int] | None = None, *, features: bool = False, first_row: int = 2) -> None:
        self.lines = lines
        self.features = features
        self.first_row = first_row

    def __enter__(self) -> renumber_rows:
        return self

    def _label(self, row: int) -> str:
        pos = row - self.first_row
        if self.features:
            return f"feature {pos + 1}"
        if self.lines is not None and 0 <= pos < len(self.lines):
            return f"row {self.lines[pos]}"
        return f"row {row}"

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, InputError) or (self.lines is None and not self.features):
            return

        def sub(text: str | None) -> str | None:
            if text is None:
                return None
            return re.sub(r"\brow (\d+)\b", lambda m: self._label(int(m.group(1))), text)

        problem = sub(exc.problem) or exc.problem
        row = exc.row
        if row is not None:
            label = self._label(row)
            if self.features:
                problem = f"{label}: {problem}" if label not in problem else problem
                row = None
            else:
                row = int(label.split()[1])
        raise InputError(problem, path=exc.path, row=row, column=exc.column, hint=sub(exc.hint)) from None
