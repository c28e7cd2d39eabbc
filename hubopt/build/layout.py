"""Check that a downloaded file has the layout hubopt's loaders read, reading only the start of the file."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from hubopt.build.catalogue import check_key
from hubopt.errors import InputError
from hubopt.io.deprivation import IMD2019_SHEET, IMD_COLUMNS, read_imd2019
from hubopt.io.packaged import unpacked, zip_member
from hubopt.io.practices import EPRACCUR_FIELDS

#: Column names each downloaded CSV must have (matched ignoring case, spaces and punctuation); any one name of a
#: tuple will do. Files not listed here are not checked.
_REQUIRED_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "gp_list_sizes": (("CODE",), ("NUMBER_OF_PATIENTS",), ("SEX",), ("AGE",)),
    "sape_lsoa": (("Area Codes", "LSOA Code", "LSOA 2011 Code", "LSOA 2021 Code"), ("All Ages", "Total")),
    "lsoa_centroids": (("lsoa11cd", "LSOA11CD"), ("X",), ("Y",)),
    "snpp": (("AREA_CODE",), ("AGE_GROUP",), ("SEX",)),
    "nspl": (("pcds", "Postcode", "pcd"), ("lat",), ("long",)),
    "hospitals": (("OrganisationCode",), ("OrganisationName",), ("Latitude",), ("Longitude",)),
    "lsoa_lookup": (("LSOA11CD",), ("LSOA21CD",), ("CHGIND",)),
}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_HEAD_BYTES = 1 << 20


def decode_start(data: bytes) -> str:
    """Text of the start of a file: UTF-8 (a byte-order mark is dropped), else Windows-1252 (the NHS website's
    ``¬``-separated files)."""
    cut = data.rfind(b"\n")
    if cut >= 0:
        data = data[: cut + 1]
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_workbook(path: Path) -> bool:
    """Whether ``path`` is an Excel workbook (a zip file holding ``xl/workbook.xml``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def _first_lines(path: Path, n: int = 2) -> tuple[list[str], str]:
    """First ``n`` text lines of a CSV file, or of the first CSV member of a zip file; also a label for messages."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
                if not members:
                    raise InputError(
                        "the publisher's file layout changed: the zip file holds no CSV file (members: "
                        f"{', '.join(zf.namelist()[:10])})",
                        path=path,
                        hint=_LAYOUT_HINT,
                    )
                member = sorted(members, key=lambda m: (m.count("/"), m))[0]
                with zf.open(member) as raw:
                    head, where = raw.read(_HEAD_BYTES), f"{path} [{member}]"
        except zipfile.BadZipFile as exc:
            raise InputError(
                f"the downloaded zip file is damaged: {exc}", path=path, hint="delete it and fetch again"
            ) from None
    else:
        with path.open("rb") as fh:
            head, where = fh.read(_HEAD_BYTES), str(path)
    lines = io.StringIO(decode_start(head), newline="").readlines()
    return lines[:n], where


def _fields(line: str) -> list[str]:
    """The fields of a CSV line: comma-separated, or ``¬``-separated when the line holds a ``¬``."""
    return next(csv.reader([line], delimiter="¬" if "¬" in line else ","), [])


_LAYOUT_HINT = (
    "hubopt cannot read this file as published now; please report it to the hubopt maintainers, and meanwhile "
    "give the address of a file in the old layout with --url KEY=URL"
)


def _missing_column(header: Sequence[str], required: Sequence[Sequence[str]]) -> str | None:
    present = {_normalise(str(h)) for h in header}
    for names in required:
        if not any(_normalise(n) in present for n in names):
            return names[0]
    return None


def _check_workbook_columns(p: Path, required: Sequence[Sequence[str]], *, rows: int = 15) -> None:
    """Check that some sheet of a workbook has a header row (within its first ``rows`` rows) with the columns.

    Sheets whose name contains "Persons" are looked at first (ONS population workbooks hold Persons, Males and
    Females sheets).
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True)
    except Exception as exc:  # any unreadable workbook becomes a user message
        raise InputError(f"the downloaded workbook cannot be opened: {exc}", path=p, hint=_LAYOUT_HINT) from None
    best: tuple[str, str, list[str]] | None = None  # a row with the first column but not all of them
    try:
        names = sorted(wb.sheetnames, key=lambda name: "persons" not in name.lower())
        for name in names:
            for row in wb[name].iter_rows(max_row=rows, values_only=True):
                header = [str(c).strip() for c in row if c is not None]
                missing = _missing_column(header, required)
                if missing is None:
                    return
                if best is None and missing != required[0][0]:
                    best = (name, missing, header)
    finally:
        wb.close()
    detail = ""
    if best is not None:
        sheet, missing, header = best
        detail = f"; sheet {sheet!r} has {', '.join(repr(h) for h in header[:12])} but no column {missing!r}"
    raise InputError(
        "the publisher's file layout changed: no sheet has a header row with the columns "
        f"{', '.join(repr(n[0]) for n in required)} (sheets: {', '.join(names)}){detail}",
        path=p,
        column=required[0][0],
        hint=_LAYOUT_HINT,
    )


def check_layout(key: str, path: str | Path) -> None:
    """Check that a downloaded file has the layout that hubopt's loaders read.

    Only the start of the file is read (header line, or first record), so large files are checked quickly:
    ``epraccur`` must have no header and 27 fields per line; ``epcn`` must be a zip holding a workbook whose
    practice-to-PCN sheet has the columns of :func:`hubopt.io.pcn.read_pcn_memberships`; ``imd2019`` must be a
    workbook with sheet
    ``IMD2019`` and the File 1 columns; the CSV files must have the columns their loaders need (comma- or
    ``¬``-separated, UTF-8 or Windows-1252). Zip files are checked through their first CSV member, workbooks
    (``sape_lsoa``) through the first rows of their sheets. Boundary files are not checked.

    Parameters
    ----------
    key : str
        Key of :data:`SOURCES`.
    path : str or Path
        The downloaded file.

    Raises
    ------
    InputError
        "the publisher's file layout changed: ...", naming the file and the missing column.
    """
    check_key(key)
    p = Path(path)
    if key == "imd2019":
        _check_imd_layout(p)
        return
    if key == "epraccur":
        _check_epraccur_layout(p)
        return
    if key == "epcn":
        _check_epcn_layout(p)
        return
    required = _REQUIRED_COLUMNS.get(key)
    if required is None:
        return
    if _is_workbook(p):
        _check_workbook_columns(p, required)
        return
    lines, where = _first_lines(p, 1)
    header = _fields(lines[0]) if lines else []
    missing = _missing_column(header, required)
    if missing is not None:
        shown = ", ".join(repr(h) for h in header[:20]) or "none"
        raise InputError(
            f"the publisher's file layout changed: there is no column {missing!r} (columns found: {shown})",
            path=where,
            column=missing,
            hint=_LAYOUT_HINT,
        )


#: Columns of the ePCN workbook's sheet "PCN Core Partner Details" that :func:`hubopt.io.pcn.read_pcn_memberships`
#: needs (its header cells hold line breaks, which the comparison ignores).
_EPCN_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("Partner Organisation Code",),
    ("PCN Code",),
    ("PCN Name",),
    ("Practice to PCN Relationship Start Date",),
    ("Practice to PCN Relationship End Date",),
)


def _check_epcn_layout(p: Path) -> None:
    """The ePCN release: a zip holding ``ePCN.xlsx`` (or the workbook itself) with the practice-to-PCN columns."""
    if _is_workbook(p):
        _check_workbook_columns(p, _EPCN_COLUMNS)
        return
    member = zip_member(
        p,
        what="ePCN workbook (ePCN.xlsx)",
        suffixes=(".xlsx",),
        prefer=("epcn",),
        hint=_LAYOUT_HINT,
    )
    with unpacked(p, member) as workbook:
        _check_workbook_columns(workbook, _EPCN_COLUMNS)


def _check_epraccur_layout(p: Path) -> None:
    lines, where = _first_lines(p, 1)
    first = _fields(lines[0]) if lines else []
    if len(first) != len(EPRACCUR_FIELDS):
        raise InputError(
            f"the publisher's file layout changed: the first line has {len(first)} fields, not the "
            f"{len(EPRACCUR_FIELDS)} of epraccur",
            path=where,
            row=1,
            column=f"field {min(len(first), len(EPRACCUR_FIELDS)) + 1}",
            hint=_LAYOUT_HINT,
        )
    code = first[0].strip()
    if not re.fullmatch(r"[A-Z0-9]{3,10}", code) or not re.fullmatch(r"\d{8}", first[10].strip()):
        raise InputError(
            f"the publisher's file layout changed: the first line looks like a header ({code!r}, ...), but "
            "epraccur has none (the first line should be a practice, with an 8-digit open date in field 11)",
            path=where,
            row=1,
            column="field 1 (Organisation Code)",
            hint=_LAYOUT_HINT,
        )


def _check_imd_layout(p: Path) -> None:
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(p, read_only=True)
        except Exception as exc:  # any unreadable workbook becomes a user message
            raise InputError(f"the downloaded workbook cannot be opened: {exc}", path=p, hint=_LAYOUT_HINT) from None
        try:
            if IMD2019_SHEET not in wb.sheetnames:
                raise InputError(
                    f"the publisher's file layout changed: there is no sheet {IMD2019_SHEET!r} "
                    f"(sheets: {', '.join(wb.sheetnames)})",
                    path=p,
                    hint=_LAYOUT_HINT,
                )
            row = next(wb[IMD2019_SHEET].iter_rows(max_row=1, values_only=True), ())
        finally:
            wb.close()
        header = [str(c).strip() for c in row if c is not None]
        where = f"{p} [sheet {IMD2019_SHEET}]"
    else:
        lines, where = _first_lines(p, 1)
        header = _fields(lines[0]) if lines else []
    present = {_normalise(h) for h in header}
    for names in IMD_COLUMNS.values():
        if not any(_normalise(n) in present for n in names):
            raise InputError(
                f"the publisher's file layout changed: there is no column {names[0]!r}",
                path=where,
                column=names[0],
                hint=_LAYOUT_HINT,
            )


def districts_known(codes: Sequence[str], imd_path: str | Path) -> list[str]:
    """Check that local authority district codes are districts of the IMD 2019 file.

    Parameters
    ----------
    codes : sequence of str
        LAD codes (e.g. ``E07000110``), as given by the user.
    imd_path : str or Path
        The IMD 2019 File 1 (workbook or CSV), read with :func:`hubopt.io.deprivation.read_imd2019`.

    Returns
    -------
    list of str
        The codes, stripped and upper-cased, in the order given.

    Raises
    ------
    InputError
        Listing every code that is not a district of the file.
    """
    imd = read_imd2019(imd_path)
    known = set(imd["lad_code"])
    tidy = [str(c).strip().upper() for c in codes]
    unknown = [c for c in dict.fromkeys(tidy) if c not in known]
    if unknown:
        raise InputError(
            f"{len(unknown)} district code(s) are not local authority districts (2019) of the IMD file: "
            f"{', '.join(unknown)}",
            path=imd_path,
            hint="use 2019 LAD codes such as E07000110 (Maidstone); districts merged since 2019 keep their old "
            "codes in IMD 2019",
        )
    return tidy
