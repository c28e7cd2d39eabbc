"""Where a study build finds its source files: a download cache, or a folder laid out as ``../shared/data``.

``hubopt study build --source DIR`` reads either layout:

- a **download cache** written by ``hubopt fetch data`` (it holds ``fetch_manifest.json``, or the cache's file
  names): the national files as their publishers ship them, found through the manifest (``file`` of each record)
  or under their cache names (:data:`hubopt.build.fetch.SOURCES`). Zip files are read through the member that holds
  the table (:func:`hubopt.io.packaged.zip_member`), the postcode lookup a block at a time for the postcodes
  needed, the national LSOA boundaries for the study's LSOAs only. No district boundaries are downloaded: the
  build dissolves the study's LSOA polygons per district instead;
- a **source folder** laid out as ``../shared/data`` (:data:`SOURCE_FILES`): filtered extracts of the same
  files, one LSOA boundary file per district and a district boundary file; the projections as a folder of
  extracts of the ONS file, one CSV per group of districts (each district in one file only), all of them read.

:class:`BuildSources` hides the difference from :mod:`hubopt.build.study`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from hubopt.build.fetch import MANIFEST_NAME, SOURCES, manifest_records
from hubopt.errors import InputError
from hubopt.io.boundaries import read_lsoa_boundaries
from hubopt.io.packaged import is_workbook, is_zip, member_label, unpacked, zip_member
from hubopt.io.postcodes import PostcodeLookup

__all__ = ["CACHE_KEYS", "SOURCE_FILES", "BuildSources"]

#: Source files, relative to the source folder (the layout of ``../shared/data``).
SOURCE_FILES: dict[str, str] = {
    "imd": "deprivation/IMD2019_File1_westkent_mse.csv",
    "sape": "population/mid-2017-lsoa-pop-estimates_SAPE20DT1_persons_westkent_mse.csv",
    "centroids": "population/Lower_Layer_Super_Output_Areas_December_2011_Population_Weighted_Centroids"
    "_westkent_mse.csv",
    "lsoa_boundaries": "boundaries/lsoa2011_bgc_by_lad",
    "lad_boundaries": "boundaries/Local_Authority_Districts_December_2017_SGC_UK_WGS84_westkent_mse_25km.geojson",
    "epraccur": "gp_practices/epraccur_dec2023_westkent_mse.csv",
    "list_sizes": "gp_practices/gp-reg-pat-prac-all_jan2021_westkent_mse.csv",
    "hospitals": "hospitals/NHS_Hospital_list_within25km_westkent_mse.csv",
    "postcodes": "postcodes/nspl_may2025_latlon",
    "snpp": "projections",
    "stroke_units": "hospitals/hosp_107_stroke_units_england.csv",
    "eric": "estates_eric",
    "pcn": "pcn/ePCN_oct2024_PCN_Core_Partner_Details_westkent_mse.csv",
}

#: The download-cache key (:data:`hubopt.build.fetch.SOURCES`) of each source; None for sources that hubopt fetch data
#: does not download (district boundaries are dissolved from the LSOA polygons instead; the stroke-unit list is not
#: an official download and is read from the source-folder path when the cache holds it there).
CACHE_KEYS: dict[str, str | None] = {
    "imd": "imd2019",
    "sape": "sape_lsoa",
    "centroids": "lsoa_centroids",
    "lsoa_boundaries": "lsoa_boundaries",
    "lad_boundaries": None,
    "epraccur": "epraccur",
    "list_sizes": "gp_list_sizes",
    "hospitals": "hospitals",
    "postcodes": "nspl",
    "snpp": "snpp",
    "stroke_units": None,
    "eric": None,
    "pcn": "epcn",
}


@dataclass(frozen=True)
class _Packed:
    """Which member of a zip file holds a source: names ending in ``suffixes``, preferably naming ``prefer``."""

    what: str
    suffixes: tuple[str, ...]
    prefer: tuple[str, ...] = ()


#: Sources that publishers may ship zipped, and how to find the table inside.
_PACKED: dict[str, _Packed] = {
    "sape": _Packed("population estimates (persons by single year of age)", (".xlsx", ".csv"), ("persons",)),
    "epraccur": _Packed("ODS epraccur file", (".csv",), ("epraccur",)),
    "list_sizes": _Packed("GP practice list sizes (gp-reg-pat-prac-all)", (".csv",), ("gp-reg-pat-prac-all",)),
    "snpp": _Packed("projections for persons", (".csv",), ("persons",)),
    "pcn": _Packed("ePCN workbook (ePCN.xlsx)", (".xlsx", ".csv"), ("epcn",)),
}

_DATA_SUFFIXES = (".csv", ".zip", ".xlsx", ".geojson", ".json")


def _cache_names(key: str) -> list[str]:
    """Names a cached file of ``key`` may have: its cache name, or the same stem with another data extension
    (see :func:`hubopt.build.fetch.cache_name`)."""
    name = Path(SOURCES[key].filename)
    return [name.name, *(name.stem + s for s in _DATA_SUFFIXES if s != name.suffix.lower())]


@dataclass(frozen=True)
class BuildSources:
    """The source files of a study build, in a download cache or a source folder.

    Attributes
    ----------
    root : Path
        The folder given with ``--source``.
    cache : bool
        Whether it is a download cache (national files as published) rather than a folder laid out as
        ``../shared/data``.
    records : mapping of str to mapping
        The cache's ``fetch_manifest.json`` records, by cache key (empty for a source folder).
    """

    root: Path
    cache: bool
    records: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def at(cls, root: str | Path) -> BuildSources:
        """The sources in ``root``: a download cache when it holds ``fetch_manifest.json`` or a cached file under
        its cache name, else a source folder.

        Raises
        ------
        InputError
            When ``root`` is not a folder, or its manifest cannot be read.
        """
        src = Path(root)
        if not src.is_dir():
            raise InputError(
                "the source folder does not exist",
                path=src,
                hint="give the download cache (hubopt fetch data --cache DIR) or a folder of real data laid out as "
                "../shared/data",
            )
        if (src / MANIFEST_NAME).exists():
            return cls(src, True, manifest_records(src))
        if any((src / name).is_file() for key in SOURCES for name in _cache_names(key)):
            return cls(src, True, {})
        return cls(src, False, {})

    @property
    def kind(self) -> str:
        """``"download cache"`` or ``"source folder"``, for messages and the build report."""
        return "download cache" if self.cache else "source folder"

    def path(self, key: str) -> Path:
        """The file (or folder) of a source.

        Parameters
        ----------
        key : str
            A key of :data:`SOURCE_FILES`.

        Raises
        ------
        InputError
            When the source is not there: for a cache, naming the cache key and the ``hubopt fetch data`` command
            that downloads it.
        """
        if not self.cache:
            path = self.root / SOURCE_FILES[key]
            if not path.exists():
                raise InputError(
                    f"the source folder has no {SOURCE_FILES[key]}",
                    path=self.root,
                    hint="point --source at a download cache (hubopt fetch data --cache DIR) or at a folder of real "
                    "data laid out as ../shared/data (see its SOURCES.md)",
                )
            return path
        fetch_key = CACHE_KEYS[key]
        if fetch_key is None:
            path = self.root / SOURCE_FILES[key]
            if path.exists():
                return path
            raise InputError(
                f"the download cache has no {SOURCE_FILES[key]}: it is not among the files hubopt fetch data "
                "downloads",
                path=self.root,
                hint=f"put the file at {path}, or build this area from a folder laid out as ../shared/data",
            )
        record = self.records.get(fetch_key)
        names = [str(record["file"])] if record and record.get("file") else []
        names += [n for n in _cache_names(fetch_key) if n not in names]
        for name in names:
            if (self.root / name).is_file():
                return self.root / name
        source = SOURCES[fetch_key]
        listed = f" ({MANIFEST_NAME} lists {names[0]}, which is not there)" if record else ""
        raise InputError(
            f"the download cache has no {source.title} (source {fetch_key!r}){listed}",
            path=self.root,
            hint=f"download it with: hubopt fetch data --only {fetch_key} --cache {self.root}",
        )

    def optional(self, key: str) -> Path | None:
        """The file or folder of an optional source that hubopt fetch data does not download (``eric``, the NHS
        estates returns), at its :data:`SOURCE_FILES` place under the root, or None when it is not there."""
        if CACHE_KEYS[key] is not None:
            raise ValueError(f"{key!r} is downloaded by hubopt fetch data: use path()")
        path = self.root / SOURCE_FILES[key]
        return path if path.exists() else None

    def require(self, keys: Iterable[str]) -> None:
        """Check that every source of ``keys`` is there before anything is read.

        Raises
        ------
        InputError
            Naming every missing source; for a cache, with the ``hubopt fetch data`` command that downloads them.
        """
        missing: list[tuple[str, InputError]] = []
        for key in keys:
            try:
                self.path(key)
            except InputError as exc:
                missing.append((key, exc))
        if not missing:
            return
        if len(missing) == 1:
            raise missing[0][1]
        fetchable = [k for k in (CACHE_KEYS[key] for key, _ in missing) if self.cache and k]
        hint = (
            f"download them with: hubopt fetch data {' '.join(f'--only {k}' for k in fetchable)} --cache {self.root}"
            if fetchable
            else missing[0][1].hint
        )
        raise InputError(
            f"{len(missing)} of the files the build reads are missing: " + "; ".join(e.problem for _, e in missing),
            path=self.root,
            hint=hint,
        )

    @contextmanager
    def readable(self, key: str) -> Iterator[tuple[Path, str]]:
        """A source as a file its loader can read, and how messages name it.

        A zip file is read through the member that holds the table (unpacked for the time of the block, named
        ``ZIP [member]`` in messages); any other file is given as it is.

        Parameters
        ----------
        key : str
            A key of :data:`SOURCE_FILES`.

        Yields
        ------
        (Path, str)
            The file to read and its name for messages.

        Raises
        ------
        InputError
            When the source is missing (see :meth:`path`) or its zip file holds no member that fits.
        """
        path = self.path(key)
        packed = _PACKED.get(key)
        if packed is None or path.is_dir() or not is_zip(path) or is_workbook(path):
            yield path, str(path)
            return
        member = zip_member(
            path,
            what=packed.what,
            suffixes=packed.suffixes,
            prefer=packed.prefer,
            hint="use the publisher's zip file; if its layout changed, unzip the table and give it in place of "
            f"the zip file ({path.name})",
        )
        with unpacked(path, member) as file:
            yield file, member_label(path, member)

    def downloaded(self, key: str) -> str | None:
        """Date (``YYYY-MM-DD``) the cache's manifest records for a source's download, or None."""
        fetch_key = CACHE_KEYS.get(key)
        record = self.records.get(fetch_key) if fetch_key else None
        stamp = str(record.get("downloaded_utc", "")) if record else ""
        return stamp[:10] if len(stamp) >= 10 else None

    def provenance(self) -> dict[str, dict[str, Any]]:
        """For a cache with a manifest: each record's file, address, size, SHA-256 and download time, by key."""
        wanted = ("file", "url", "page", "bytes", "sha256", "downloaded_utc")
        return {
            key: {k: record[k] for k in wanted if k in record}
            for key, record in sorted(self.records.items())
            if key in CACHE_KEYS.values()
        }

    def postcode_lookup(self, postcodes: Iterable[str]) -> tuple[PostcodeLookup, str]:
        """The postcode lookup for ``postcodes`` and the name of the file it came from (for messages).

        A cache's NSPL zip file is read a block at a time, keeping only these postcodes; an unzipped NSPL CSV
        file or a source folder's files are read whole.
        """
        path = self.path("postcodes")
        if self.cache and path.is_file() and is_zip(path):
            return PostcodeLookup.from_nspl_zip(path, postcodes), str(path)
        return PostcodeLookup.from_nspl_latlon(path), str(path)

    def lsoa_polygons(self, districts: Sequence[str], lsoa_codes: Iterable[str]) -> gpd.GeoDataFrame:
        """The LSOA polygons of the study: the cache's national file read for ``lsoa_codes`` only, or the source
        folder's files of ``districts`` (one file per district, named by its code).

        Raises
        ------
        InputError
            When the file (or a district's file) is missing, or a file cannot be read.
        """
        path = self.path("lsoa_boundaries")
        if self.cache:
            return read_lsoa_boundaries(path, codes=list(lsoa_codes))
        files = []
        for code in districts:
            f = path / f"{code}.json"
            if not f.exists():
                raise InputError(
                    f"no LSOA boundary file for district {code}",
                    path=f,
                    hint="add the district's LSOA boundaries (GeoJSON) to the source folder",
                )
            files.append(f)
        return read_lsoa_boundaries(files)
