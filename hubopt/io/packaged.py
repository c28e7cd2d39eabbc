"""Files as publishers package them: a member of a zip file, and a table below title rows in a workbook sheet.

The loaders read plain CSV files. Publishers also ship zip files (ONS projections, ODS and NHS Digital files in
some months, the postcode lookup) and Excel workbooks whose sheets hold a few title rows above the table (ONS
small-area population estimates). :func:`zip_member` picks the member a loader needs, :func:`unpacked` hands it to
the loader as a file (errors then name ``ZIP [member]``) and :func:`read_workbook_table` reads a sheet's table as
text, as :func:`hubopt.io._csv.read_csv_table` reads a CSV file.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from hubopt.errors import InputError
from hubopt.io._files import require_file

__all__ = [
    "WorkbookTable",
    "find_header_row",
    "is_workbook",
    "is_zip",
    "member_label",
    "read_workbook_table",
    "unpacked",
    "workbook_header",
    "zip_member",
]

#: Rows of a sheet searched for the table's header row.
HEADER_ROWS = 20


def is_zip(path: str | Path) -> bool:
    """Whether ``path`` is a zip file (also true of ``.xlsx`` workbooks, which are zip files)."""
    with Path(path).open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` is an Excel workbook (``.xlsx``: a zip file holding ``xl/workbook.xml``)."""
    if not is_zip(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def member_label(path: str | Path, member: str) -> str:
    """How messages name a member of a zip file: ``ZIP [member]``."""
    return f"{path} [{member}]"


def zip_file_names(path: str | Path, what: str, *, hint: str | None = None) -> tuple[Path, list[str]]:
    """The checked path of a zip file and the names of its files (folders left out).

    Raises
    ------
    InputError
        When the file is missing or is not a readable zip file (``hint`` says what to do; by default, download it
        again).
    """
    p = require_file(path, what)
    try:
        with zipfile.ZipFile(p) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(
            f"the zip file that should hold the {what} cannot be read: {exc}",
            path=p,
            hint=hint or "the download may be incomplete: delete the file and download it again",
        ) from None
    return p, names


def zip_member(
    path: str | Path,
    *,
    what: str,
    suffixes: Sequence[str],
    prefer: Sequence[str] = (),
    hint: str | None = None,
) -> str:
    """The member of a zip file that holds ``what``.

    The candidates are the members whose names end in one of ``suffixes``. One candidate is taken as it is;
    among several, the one whose file name contains all the words of ``prefer`` (ignoring case), when exactly one
    does.

    Parameters
    ----------
    path : str or Path
        The zip file.
    what : str
        What the member holds, for messages (e.g. "persons table of the projections").
    suffixes : sequence of str
        Accepted endings, lower case with the dot (e.g. ``(".csv",)``).
    prefer : sequence of str
        Words that name the wanted member among several (e.g. ``("persons",)``).
    hint : str, optional
        What to do when no member fits.

    Returns
    -------
    str
        The member's name inside the zip file.

    Raises
    ------
    InputError
        When the file is not a readable zip file, or no member (or more than one) fits; the message lists the
        members.
    """
    p, names = zip_file_names(path, what)
    ends = tuple(s.lower() for s in suffixes)
    candidates = [n for n in names if n.lower().endswith(ends)]
    named = False
    if len(candidates) > 1 and prefer:
        words = [w.lower() for w in prefer]
        candidates = [n for n in candidates if all(w in PurePosixPath(n).name.lower() for w in words)]
        named = True
    if len(candidates) == 1:
        return candidates[0]
    shown = ", ".join(repr(n) for n in names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    wanted = f"{'/'.join(ends)} file" + (f" named with {' and '.join(repr(w) for w in prefer)}" if named else "")
    problem = (
        f"the zip file holds no {wanted} for the {what}"
        if not candidates
        else f"the zip file holds {len(candidates)} {wanted}s that could be the {what}, not one"
    )
    raise InputError(
        f"{problem} (members: {shown or 'none'})",
        path=p,
        hint=hint or "check that this is the publisher's file; give the member itself (unzipped) instead",
    )


@contextmanager
def unpacked(path: str | Path, member: str) -> Iterator[Path]:
    """A member of a zip file as a file of its own, for a loader that reads files; removed afterwards.

    An :class:`InputError` raised inside the block about the unpacked file names ``ZIP [member]`` instead (followed
    by what the loader added, such as `` [sheet NAME]``).

    Parameters
    ----------
    path : str or Path
        The zip file.
    member : str
        The member's name inside it (from :func:`zip_member`).

    Yields
    ------
    Path
        The unpacked file, under the member's own file name.
    """
    folder = Path(tempfile.mkdtemp(prefix="hubopt-unpacked-"))
    target = folder / PurePosixPath(member).name
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        try:
            yield target
        except InputError as exc:
            if exc.path is None or not exc.path.startswith(str(target)):
                raise
            raise InputError(
                exc.problem.replace(str(target), member),
                path=member_label(path, member) + exc.path[len(str(target)) :],
                row=exc.row,
                column=exc.column,
                hint=exc.hint,
                setting=exc.setting,
            ) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class WorkbookTable:
    """A table read from a workbook sheet.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows below the header row, every value as text (blank cells are empty strings, whole numbers are
        written without a decimal point); columns named by the header row.
    sheet : str
        The sheet it was read from.
    header_row : int
        Sheet row number of the header (1 = the sheet's first row); the first data row is ``header_row + 1``.
    titles : list of str
        The text of the rows above the header (e.g. the table's title).
    where : str
        How messages name the table: ``FILE [sheet NAME]``.
    """

    frame: pd.DataFrame
    sheet: str
    header_row: int
    titles: list[str]
    where: str


def _text(value: object) -> str:
    """A cell's value as text, as it would appear in a CSV export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def find_header_row(rows: Sequence[Sequence[object]], is_header: Callable[[list[str]], bool]) -> int | None:
    """Position (0-based) of the first row whose non-blank cells, as text, pass ``is_header``; None when none do."""
    for i, row in enumerate(rows):
        cells = [_text(c) for c in row]
        if is_header([c for c in cells if c]):
            return i
    return None


def read_workbook_table(
    path: str | Path,
    *,
    what: str,
    is_header: Callable[[list[str]], bool],
    header_needs: str,
    sheet_words: Sequence[str] = (),
    avoid_words: Sequence[str] = (),
    hint: str | None = None,
) -> WorkbookTable:
    """Read the table of a workbook sheet that may have title rows above its header.

    Sheets whose names contain all of ``sheet_words`` (ignoring case) are searched, or, when none does, every
    sheet whose name contains none of ``avoid_words``; in each, the first :data:`HEADER_ROWS` rows are searched
    for the header (the first row whose non-blank cells pass ``is_header``). The first sheet with a header gives
    the table, read to its last non-blank row.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook.
    what : str
        What the table holds, for messages.
    is_header : callable
        Given the non-blank cells of a row as text, says whether it is the table's header row.
    header_needs : str
        The columns ``is_header`` looks for, for the message when no sheet has them.
    sheet_words : sequence of str
        Words that name the sheet to read (e.g. ``("persons",)``).
    avoid_words : sequence of str
        Words that name sheets never to read (e.g. ``("male",)`` for the Males and Females sheets of a
        population workbook, which hold one sex each).
    hint : str, optional
        What to do when no sheet holds the table.

    Returns
    -------
    WorkbookTable

    Raises
    ------
    InputError
        When the workbook cannot be opened, or no sheet holds a header row with the columns (the message lists
        the sheets searched).
    """
    import openpyxl

    p = require_file(path, what)
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook becomes a user message
        raise InputError(
            f"the {what} cannot be opened as an Excel workbook: {exc}",
            path=p,
            hint="the download may be incomplete: delete the file and download it again",
        ) from None
    try:
        words = [w.lower() for w in sheet_words]
        named = [s for s in wb.sheetnames if words and all(w in s.lower() for w in words)]
        avoided = [s for s in wb.sheetnames if any(w.lower() in s.lower() for w in avoid_words)]
        sheets = named or [s for s in wb.sheetnames if s not in avoided]
        for sheet in sheets:
            ws = wb[sheet]
            head = [tuple(r) for r in ws.iter_rows(max_row=HEADER_ROWS, values_only=True)]
            at = find_header_row(head, is_header)
            if at is None:
                continue
            header_cells = [_text(c) for c in head[at]]
            width = max((i + 1 for i, c in enumerate(header_cells) if c), default=0)
            columns = [c or f"(column {i + 1})" for i, c in enumerate(header_cells[:width])]
            rows: list[list[str]] = []
            for values in ws.iter_rows(min_row=at + 2, max_col=width, values_only=True):
                cells = [_text(c) for c in values]
                cells += [""] * (width - len(cells))
                rows.append(cells)
            while rows and not any(rows[-1]):
                rows.pop()
            titles = [" ".join(_text(c) for c in r if _text(c)) for r in head[:at]]
            frame = pd.DataFrame(rows, columns=columns, dtype=str) if rows else pd.DataFrame(columns=columns)
            return WorkbookTable(
                frame=frame,
                sheet=sheet,
                header_row=at + 1,
                titles=[t for t in titles if t],
                where=f"{p} [sheet {sheet}]",
            )
    finally:
        wb.close()
    searched = ", ".join(repr(s) for s in sheets) or "none"
    preferred = f"; no sheet is named with {' and '.join(repr(w) for w in sheet_words)}" if not named else ""
    skipped = (
        f"; not read: {', '.join(repr(s) for s in avoided)} (named with {' or '.join(map(repr, avoid_words))})"
        if avoided and not named
        else ""
    )
    raise InputError(
        f"no sheet of the workbook has a header row with {header_needs} in its first {HEADER_ROWS} rows; sheets "
        f"searched: {searched}{preferred}{skipped}",
        path=p,
        hint=hint or "check that this is the publisher's workbook, or export the table to CSV",
    )


def workbook_header(
    path: str | Path, *, is_header: Callable[[list[str]], bool], sheet_words: Sequence[str] = ()
) -> list[str]:
    """The header row of a workbook's table, read from the first rows of its sheets only.

    Sheets are searched as by :func:`read_workbook_table`; when no row passes ``is_header``, the first row of
    the first sheet is returned (empty when the workbook cannot be read).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook.
    is_header : callable
        Given the non-blank cells of a row as text, says whether it is the table's header row.
    sheet_words : sequence of str
        Words that name the sheet to search first (e.g. ``("persons",)``).

    Returns
    -------
    list of str
        The non-blank header cells, as text.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # the loader reports an unreadable workbook
        return []
    try:
        words = [w.lower() for w in sheet_words]
        named = [s for s in wb.sheetnames if words and all(w in s.lower() for w in words)]
        first: list[str] | None = None
        for sheet in named or list(wb.sheetnames):
            head = [tuple(r) for r in wb[sheet].iter_rows(max_row=HEADER_ROWS, values_only=True)]
            if first is None:
                first = [_text(c) for c in head[0] if _text(c)] if head else []
            at = find_header_row(head, is_header)
            if at is not None:
                return [_text(c) for c in head[at] if _text(c)]
        return first or []
    finally:
        wb.close()
