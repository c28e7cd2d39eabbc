"""Download the official source files into a local cache, only when asked.

:data:`SOURCES` lists the official files hubopt reads, with their publisher, licence and download address. Each
address is one seen in public code that downloads the same file (recorded next to it). Publishers move files (new
releases get new addresses, portals are rebuilt), so any address can be overridden, on the command line with
``--url KEY=URL`` (see :func:`parse_url_overrides`) or with ``urls=`` in :func:`fetch_sources`. NHS Digital's
monthly GP list sizes have no fixed address at all: their file is found on the publisher's release page at fetch
time (:mod:`hubopt.build.publications`); ``--url gp_list_sizes=URL`` takes that file's address or a month's page.

No checksums are built in. The first download of each file records its size and SHA-256 in the cache's
``fetch_manifest.json``; later runs reuse a cached file only while it still matches that record.

A download is written to ``<file>.part`` and renamed to ``<file>`` only once complete (and its checksum
verified when one is expected), so the cache never holds a partial file under the final name. Running the
fetch again after an interruption resumes the ``.part`` file with an HTTP ``Range`` request.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from hubopt.build.publications import resolve_gp_list_sizes
from hubopt.errors import InputError
from hubopt.files.atomic import write_text_atomic
from hubopt.io._files import file_sha256
from hubopt.io.deprivation import IMD2019_SHEET, IMD_COLUMNS, read_imd2019
from hubopt.io.practices import EPRACCUR_FIELDS

__all__ = [
    "MANIFEST_NAME",
    "SOURCES",
    "RemoteFile",
    "cache_name",
    "check_layout",
    "districts_known",
    "download",
    "fetch_sources",
    "manifest_records",
    "parse_url_overrides",
]

#: Name of the cache's record of downloaded files.
MANIFEST_NAME = "fetch_manifest.json"
#: Seconds to wait for the server to connect and to send the next bytes.
TIMEOUT = (15, 120)

_OVERRIDE_HINT = "check the address, or give the publisher's current one with --url KEY=URL"


@dataclass(frozen=True)
class RemoteFile:
    """One official file that hubopt can download.

    Attributes
    ----------
    key : str
        Short name used on the command line (``hubopt fetch data --only epraccur``, ``--url epraccur=URL``).
    title : str
        Plain title of the dataset.
    publisher : str
        Who publishes it.
    licence : str
        Licence of the data.
    url : str or None
        The publisher's download address as last seen in public code, or None when every release has its own
        address (then ``resolver`` finds it). Publishers move files: override a stale address with ``--url``.
    page : str
        The publisher's page that lists the file (where to find a current address).
    filename : str
        Name of the file in the cache. When the address used ends in another data extension (``.csv``, ``.zip``,
        ``.xlsx``, ``.geojson``), the cached file takes that extension instead.
    resolver : callable or None
        For a file with no fixed address: ``resolver(page, session)`` returns the address of the current file,
        read from the publisher's page (see :mod:`hubopt.build.publications`).
    """

    key: str
    title: str
    publisher: str
    licence: str
    url: str | None
    page: str
    filename: str
    resolver: Callable[[str, Any], str] | None = None


def _resolve_gp_list_sizes(page: str, session: Any) -> str:
    return resolve_gp_list_sizes(page, session)


_OGL = "OGL v3"
_ONS_SAPE = (
    "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/populationandmigration/populationestimates/"
    "datasets/lowersuperoutputareamidyearpopulationestimates"
)
_ONS_SNPP = (
    "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/populationandmigration/populationprojections/"
    "datasets/localauthoritiesinenglandz1"
)
#: The official files hubopt reads, by key. Each address is the publisher's own, as seen in public code that
#: downloads the same file (named in the comment above it); addresses move, so any can be overridden with --url.
SOURCES: dict[str, RemoteFile] = {
    s.key: s
    for s in (
        # ODS "Data Search and Export" report: a CSV without a header, the 27 epraccur fields. Seen in
        # nhsconnect/prm-gp-registrations-mi-infra utils/test_bulk_upload.py (ODS_API_URL + "epraccur", saved as
        # epraccur.csv); public scripts of 2025-26 note that the older address
        # https://files.digital.nhs.uk/assets/ods/current/epraccur.zip (still in e.g. traffordDataLab/open_data
        # general_practice/pre-processing.R) answers HTTP 403, and switched to this report. The zip still works
        # with --url epraccur=URL where it is served.
        RemoteFile(
            "epraccur",
            "GP practices (ODS epraccur)",
            "NHS England Organisation Data Service",
            _OGL,
            "https://www.odsdatasearchandexport.nhs.uk/api/getReport?report=epraccur",
            "https://digital.nhs.uk/services/organisation-data-service/export-data-files/csv-downloads/gp-and-gp-practice-related-data",
            "epraccur.csv",
        ),
        # A new address every month, e.g. https://files.digital.nhs.uk/F1/3E4D66/gp-reg-pat-prac-all.csv for May
        # 2023 (traffordDataLab/open_data general_practice/patient_registrations/pre-processing.R): found on the
        # newest month's page at fetch time (hubopt.build.publications.resolve_gp_list_sizes).
        RemoteFile(
            "gp_list_sizes",
            "Patients Registered at a GP Practice (all persons per practice, gp-reg-pat-prac-all.csv)",
            "NHS England (NHS Digital)",
            _OGL,
            None,
            "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice",
            "gp-reg-pat-prac-all.csv",
            _resolve_gp_list_sizes,
        ),
        # Mid-2020, the newest single-year-of-age persons table on LSOA 2011 (sheet "Mid-2020 Persons"). Seen (with
        # the slashes of uri= written %2f) in humaniverse/demographr data-raw/query_urls.R (id estimates20_lsoa11),
        # read by its data-raw/population_lsoa_20.R; other public scripts use it as written here. Mid-2017
        # (SAPE20DT1, data/west_kent's source) is .../mid2017/sape20dt1mid2017lsoasyoaestimatesformatted.zip
        # in the same file. Mid-2021 onwards are keyed by LSOA 2021 and split by sex (see hubopt study build
        # --lsoa-lookup).
        RemoteFile(
            "sape_lsoa",
            "Lower layer Super Output Area population estimates, mid-2020, single year of age, persons (LSOA 2011)",
            "Office for National Statistics",
            _OGL,
            f"{_ONS_SAPE}/mid2020sape23dt2/sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx",
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/"
            "datasets/lowersuperoutputareamidyearpopulationestimates",
            "sape23dt2mid2020lsoasyoaestimatesunformatted.xlsx",
        ),
        # ONS Open Geography Portal item b7c49538f0464f748dd7137247bbc41c ("Lower Layer Super Output Areas
        # (December 2011) Population Weighted Centroids"): public code downloads it through the ArcGIS Hub API as
        # opendata.arcgis.com/api/v3/datasets/b7c49538f0464f748dd7137247bbc41c_0/downloads/data?format=geojson&...
        # (an R download_lsoa_data() function) and as CSV at
        # geoportal.statistics.gov.uk/datasets/b7c49538f0464f748dd7137247bbc41c_0.csv; hub.arcgis.com serves the
        # same API, with format=csv, for ONS items in a 2026 data manifest. ONS
        # re-published the layer in 2022 as LSOA_Dec_2011_PWC_in_England_and_Wales_2022: if this address fails,
        # download that CSV from the portal and give it with --url lsoa_centroids=URL.
        RemoteFile(
            "lsoa_centroids",
            "LSOA (December 2011) population-weighted centroids",
            "Office for National Statistics (Open Geography Portal)",
            _OGL,
            "https://hub.arcgis.com/api/v3/datasets/b7c49538f0464f748dd7137247bbc41c_0/downloads/data"
            "?format=csv&spatialRefId=4326",
            "https://geoportal.statistics.gov.uk/datasets/b7c49538f0464f748dd7137247bbc41c_0",
            "lsoa2011_population_weighted_centroids.csv",
        ),
        # Migration category variant on 2023 LA geographies (24 June 2025), the edition in ../shared/data: a zip of
        # "2022 SNPP Population persons.csv" (and males, females). The address is in public R code (snpp = c(url =
        # ...)); MastodonC/witan.population README.md gives the five-year migration variant of the same release
        # at .../2022basedfiveyearmigrationvariantprojection/2022snpppopulationsyoa5yr.zip.
        RemoteFile(
            "snpp",
            "2022-based subnational population projections for England, migration category variant (persons)",
            "Office for National Statistics",
            _OGL,
            f"{_ONS_SNPP}/2022basedmigrationcategoryvarianton2023localauthoritygeographies/"
            "2022snpppopulationsyoamigcat23.zip",
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationprojections/"
            "datasets/localauthoritiesinenglandz1",
            "2022snpppopulationsyoamigcat23.zip",
        ),
        # Seen in anetobradley/energy_flex 02-EnergyModel/Energy_Intensity_Analysis/data/imd/README.md ("Source
        # excel file") and in public R scripts that read its sheet "IMD2019"; gov.uk also serves the same workbook
        # at https://assets.publishing.service.gov.uk/media/5d8b3abded915d0373d3540f/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx.
        RemoteFile(
            "imd2019",
            "English Indices of Deprivation 2019, File 1 (IMD rank and decile)",
            "Ministry of Housing, Communities and Local Government",
            _OGL,
            "https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/"
            "833970/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
            "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
            "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
        ),
        # "LSOA (Dec 2011) Boundaries Generalised Clipped (BGC) EW V3", item a3940ee3ce4948f388e9993cb1d8cd0e: the
        # item behind the product page in March 2023 (tillahoffmann/wastewater-catchment-areas Makefile downloads a
        # web.archive.org capture of opendata.arcgis.com/api/v3/datasets/a3940..._0/downloads/data?format=shp).
        # Before that the product was item 8bbadffa6ddc493a94078c195a1e293b, downloaded by public scripts with
        # exactly this query (format=geojson&spatialRefId=4326).
        RemoteFile(
            "lsoa_boundaries",
            "LSOA (December 2011) boundaries, generalised clipped (GeoJSON)",
            "Office for National Statistics (Open Geography Portal)",
            _OGL,
            "https://hub.arcgis.com/api/v3/datasets/a3940ee3ce4948f388e9993cb1d8cd0e_0/downloads/data"
            "?format=geojson&spatialRefId=4326",
            "https://geoportal.statistics.gov.uk/datasets/ons::lower-layer-super-output-areas-december-2011-"
            "boundaries-generalised-clipped-bgc-ew-v3/about",
            "lsoa2011_boundaries.geojson",
        ),
        # NSPL May 2025 (the edition behind ../shared/data/postcodes): item 077631e063eb4e1ab43575d01381ec33, named
        # in a version of odileeds/Postcodes2LatLon postcodes/postcodesplitter.pl; public Python code downloads
        # this address
        # and reads Data/NSPL_MAY_2025_UK.csv from the zip. Each release is a new item: give a newer one with
        # --url nspl=https://www.arcgis.com/sharing/rest/content/items/ITEM/data.
        RemoteFile(
            "nspl",
            "National Statistics Postcode Lookup, May 2025 (zip)",
            "Office for National Statistics (Open Geography Portal)",
            _OGL,
            "https://www.arcgis.com/sharing/rest/content/items/077631e063eb4e1ab43575d01381ec33/data",
            "https://geoportal.statistics.gov.uk/datasets/077631e063eb4e1ab43575d01381ec33/about",
            "nspl.zip",
        ),
        # Listed as "Current (as of 2025) - NHS website data portal" in public Python code (a CANDIDATE_URLS list;
        # the search index did not name its repository); public JavaScript reads the same file with "¬" as the
        # separator, citing https://www.nhs.uk/about-us/nhs-website-datasets/.
        RemoteFile(
            "hospitals",
            "NHS website hospital list (Hospital.csv)",
            "NHS England (NHS website)",
            _OGL,
            "https://media.nhswebsite.nhs.uk/data/foi/Hospital.csv",
            "https://www.nhs.uk/about-us/nhs-website-datasets/",
            "Hospital.csv",
        ),
        # "LSOA (2011) to LSOA (2021) to Local Authority District (2022) Exact Fit Lookup for EW (V3)", item
        # cbfe64cc03d74af982c1afec639bafd1 (LSOA11CD, LSOA11NM, LSOA21CD, LSOA21NM, CHGIND, LAD22CD, ...). This
        # download address is used by several public scripts of 2025-26 (Python and R).
        RemoteFile(
            "lsoa_lookup",
            "LSOA (2011) to LSOA (2021) exact-fit lookup (for hubopt study build --lsoa-lookup)",
            "Office for National Statistics (Open Geography Portal)",
            _OGL,
            "https://open-geography-portalx-ons.hub.arcgis.com/api/download/v1/items/"
            "cbfe64cc03d74af982c1afec639bafd1/csv?layers=0",
            "https://geoportal.statistics.gov.uk/datasets/cbfe64cc03d74af982c1afec639bafd1/about",
            "lsoa11_lsoa21_lookup.csv",
        ),
    )
}

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

Progress = Callable[[int, int | None], None]


def parse_url_overrides(items: Iterable[str]) -> dict[str, str]:
    """Parse command-line ``KEY=URL`` overrides into ``{key: url}``.

    Parameters
    ----------
    items : iterable of str
        Values of ``--url``, each ``KEY=URL`` with ``KEY`` one of :data:`SOURCES`.

    Returns
    -------
    dict of str to str

    Raises
    ------
    InputError
        On an item without ``=``, an unknown key or an address that is not http(s).
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, url = item.partition("=")
        key, url = key.strip(), url.strip()
        if not sep or not key or not url:
            raise InputError(f"--url {item!r} is not of the form KEY=URL", hint="e.g. --url epraccur=https://...")
        _check_key(key)
        if not re.match(r"^https?://", url, flags=re.IGNORECASE):
            raise InputError(f"--url {key}: {url!r} is not an http:// or https:// address")
        out[key] = url
    return out


def _check_key(key: str) -> RemoteFile:
    if key not in SOURCES:
        raise InputError(
            f"unknown source {key!r}",
            hint=f"known sources: {', '.join(SOURCES)}",
        )
    return SOURCES[key]


def _content_length(headers: Mapping[str, str]) -> int | None:
    """The Content-Length of a response, or None when absent, unusable or describing compressed bytes."""
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    if lowered.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    text = lowered.get("content-length", "").strip()
    return int(text) if text.isdigit() else None


def _range_start(headers: Mapping[str, str]) -> int | None:
    """First byte of a ``Content-Range: bytes A-B/N`` header, or None."""
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    m = re.match(r"^\s*bytes\s+(\d+)-", lowered.get("content-range", ""))
    return int(m.group(1)) if m else None


def _default_session() -> Any:
    import requests  # imported here so that importing hubopt does not need it

    return requests.Session()


def _network_errors() -> tuple[type[BaseException], ...]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency of osmnx
        return (OSError,)
    return (requests.RequestException, OSError)


def download(
    url: str,
    dest: str | Path,
    *,
    session: Any = None,
    expected_sha256: str | None = None,
    progress: Progress | None = None,
    chunk: int = 1 << 20,
) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download, and rename it into place when complete.

    Bytes are written to ``dest`` + ``.part``. When that file exists, the request asks for the rest
    (``Range: bytes=N-``): a ``206`` answer is appended, a ``200`` answer (the server ignores ranges) restarts the
    file. Only a complete file (size equal to the announced ``Content-Length``, and SHA-256 equal to
    ``expected_sha256`` when given) is renamed to ``dest``, atomically.

    Parameters
    ----------
    url : str
        The address to download.
    dest : str or Path
        The final file.
    session : requests.Session-like, optional
        Object with ``get(url, headers=, stream=, timeout=)``; a new ``requests.Session`` by default.
    expected_sha256 : str, optional
        Hex SHA-256 the complete file must have.
    progress : callable, optional
        Called as ``progress(done_bytes, total_bytes)`` after each chunk (``total_bytes`` is None when unknown).
    chunk : int
        Bytes per read.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    InputError
        On an HTTP error status, a connection error or an interrupted transfer (the ``.part`` file is kept, and
        running again resumes it), a size that differs from ``Content-Length`` or a checksum mismatch (the
        ``.part`` file is removed, as its bytes are wrong). ``dest`` is never written in these cases.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_suffix(dest.suffix + ".part")
    session = session if session is not None else _default_session()
    errors = _network_errors()

    for _attempt in range(2):  # a second attempt only after a 416 answer to a stale range
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = session.get(url, headers=headers, stream=True, timeout=TIMEOUT)
        except errors as exc:
            raise InputError(
                f"could not connect to {url}: {exc}",
                path=dest,
                hint=f"check the network connection and retry; {_OVERRIDE_HINT}",
            ) from None
        with response:
            status = int(response.status_code)
            if status == 416 and offset:
                part.unlink()  # the partial file does not fit the server's file: start again
                continue
            if status == 206 and offset and _range_start(response.headers) in (None, offset):
                mode, done = "ab", offset
                length = _content_length(response.headers)
                total = None if length is None else offset + length
            elif status == 200:
                mode, done = "wb", 0
                total = _content_length(response.headers)
            else:
                raise InputError(
                    f"the server answered HTTP {status} for {url}",
                    path=dest,
                    hint="the file may have moved (HTTP 404) or the server may be busy (HTTP 5xx); retry later, "
                    f"or {_OVERRIDE_HINT}",
                )
            try:
                with part.open(mode) as fh:
                    for block in response.iter_content(chunk_size=chunk):
                        if not block:
                            continue
                        fh.write(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
            except errors as exc:
                raise InputError(
                    f"the download of {url} was interrupted after {done:,} bytes: {exc}",
                    path=part,
                    hint="run the same command again: it resumes from the partial file",
                ) from None
        break
    else:  # pragma: no cover - two 416 answers in a row
        raise InputError(f"the server refused to resume {url} (HTTP 416)", path=dest, hint="retry")

    if total is not None and done != total:
        if done > total:
            part.unlink()
        raise InputError(
            f"the download of {url} has {done:,} bytes but the server announced {total:,} (Content-Length)",
            path=part if part.exists() else dest,
            hint="run the command again: "
            + ("it resumes from the partial file" if part.exists() else "the download starts over"),
        )
    if expected_sha256 is not None:
        actual = file_sha256(part)
        if actual.lower() != expected_sha256.lower():
            part.unlink()
            raise InputError(
                f"the file downloaded from {url} has SHA-256 {actual}, not the expected {expected_sha256}; it was "
                "not kept",
                path=dest,
                hint="retry; if it fails again the publisher has changed the file: check the address, or "
                + _OVERRIDE_HINT,
            )
    part.replace(dest)
    return dest


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict):
            raise TypeError("'files' is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"the download manifest cannot be read: {exc}",
            path=path,
            hint="delete it: the cached files are then downloaded again",
        ) from None
    return files


def manifest_records(cache_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The records of a cache's ``fetch_manifest.json``, by key (empty when the cache has no manifest).

    Parameters
    ----------
    cache_dir : str or Path
        The cache folder.

    Returns
    -------
    dict of str to dict
        Each record as :func:`fetch_sources` wrote it (``key``, ``url``, ``file``, ``bytes``, ``sha256``,
        ``downloaded_utc`` and, for a file found on a page, ``page``).

    Raises
    ------
    InputError
        When the manifest exists but cannot be read.
    """
    return _read_manifest(Path(cache_dir) / MANIFEST_NAME)


def _write_manifest(path: Path, files: Mapping[str, Mapping[str, Any]]) -> None:
    write_text_atomic(path, json.dumps({"files": dict(sorted(files.items()))}, indent=2) + "\n")


_DATA_SUFFIXES = (".csv", ".zip", ".xlsx", ".geojson", ".json")


def cache_name(source: RemoteFile, url: str) -> str:
    """Name of ``source``'s file in the cache when downloaded from ``url``.

    The source's :attr:`RemoteFile.filename`, unless the address ends in another data extension (e.g. a month of
    GP list sizes published as ``gp-reg-pat-prac-all.zip``, or ``--url epraccur=.../epraccur.zip``): then the
    extension follows the address, so that a zip file is never cached under a ``.csv`` name.
    """
    url_suffix = Path(unquote(urlsplit(url).path)).suffix.lower()
    name = Path(source.filename)
    if url_suffix in _DATA_SUFFIXES and url_suffix != name.suffix.lower():
        return name.stem + url_suffix
    return source.filename


def _is_page(source: RemoteFile, url: str) -> bool:
    """Whether ``url`` given for a source with a resolver is a publisher's page rather than the file itself."""
    return source.resolver is not None and Path(urlsplit(url).path).suffix.lower() not in _DATA_SUFFIXES


def _cached(cache: Path, record: Mapping[str, Any] | None, *, url: str | None, page: str | None) -> Path | None:
    """The cached file of a manifest record, when it is still there, unchanged, and from the same address."""
    if record is None or not record.get("file"):
        return None
    if url is not None and record.get("url") != url:
        return None
    if url is None and record.get("page") != page:
        return None
    path = cache / str(record["file"])
    if path.exists() and record.get("sha256") == file_sha256(path):
        return path
    return None


def fetch_sources(
    keys: Iterable[str],
    cache_dir: str | Path,
    *,
    urls: Mapping[str, str] | None = None,
    session: Any = None,
    refresh: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> dict[str, Path]:
    """Make sure the named official files are in ``cache_dir``, downloading only those that are not.

    A file is reused when it is in the cache, has a record in ``fetch_manifest.json`` from the same address (for
    a file found on a publisher's page: from the same page), and its SHA-256 still matches that record.
    Otherwise it is downloaded (resuming a ``.part`` file left by an interrupted run), its layout is checked with
    :func:`check_layout`, and its record (key, url, file, bytes, sha256, downloaded_utc, and page for a file found
    on a page) is written to the manifest.

    A source without a fixed address (``url`` None) is looked up on its publisher's page with its
    :attr:`RemoteFile.resolver`, through ``session``; an address given for it in ``urls`` may be the file itself
    or a page to look on (an address without a data extension such as ``.csv`` or ``.zip``).

    Parameters
    ----------
    keys : iterable of str
        Keys of :data:`SOURCES`.
    cache_dir : str or Path
        The cache folder (created when missing).
    urls : mapping of str to str, optional
        Addresses that replace those of :data:`SOURCES` (``--url KEY=URL``).
    session : requests.Session-like, optional
        Passed to :func:`download` and to the resolvers.
    refresh : bool
        Download again even when the cached file matches its record (a leftover ``.part`` file is discarded); a
        file found on a page is looked up again.
    progress : callable, optional
        Called as ``progress(key, done_bytes, total_bytes)`` during each download.

    Returns
    -------
    dict of str to Path
        The cached file of each key.

    Raises
    ------
    InputError
        On an unknown key, a source with no known address and no override, a publisher's page without the file
        (see :mod:`hubopt.build.publications`), a failed download (see :func:`download`) or a file whose layout is not
        the one hubopt reads (see :func:`check_layout`).
    """
    wanted = list(dict.fromkeys(keys))
    overrides = dict(urls or {})
    for key in [*wanted, *overrides]:
        _check_key(key)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    manifest_path = cache / MANIFEST_NAME
    records = _read_manifest(manifest_path)
    out: dict[str, Path] = {}
    for key in wanted:
        source = SOURCES[key]
        given = overrides.get(key)
        url: str | None
        page: str | None = None
        if given is not None and not _is_page(source, given):
            url = given
        elif given is not None:
            url, page = None, given
        elif source.url is not None:
            url = source.url
        elif source.resolver is not None:
            url, page = None, source.page
        else:  # pragma: no cover - every source without an address has a resolver
            raise InputError(
                f"{source.title} has no fixed download address (each release has its own)",
                hint=f"find the current file on {source.page} and give it with --url {key}=URL",
            )
        record = records.get(key)
        reuse = None if refresh else _cached(cache, record, url=url, page=page)
        if reuse is not None:
            out[key] = reuse
            continue
        if session is None:
            session = _default_session()
        if url is None:
            assert source.resolver is not None and page is not None
            url = source.resolver(page, session)
        dest = cache / cache_name(source, url)
        part = dest.with_suffix(dest.suffix + ".part")
        if (refresh or dest.exists() or (record is not None and record.get("url") != url)) and part.exists():
            part.unlink()  # left from another file: do not resume it
        records.pop(key, None)
        _write_manifest(manifest_path, records)
        report = None if progress is None else (lambda done, total, _k=key: progress(_k, done, total))
        download(url, dest, session=session, progress=report)
        check_layout(key, dest)
        records[key] = {
            "key": key,
            "url": url,
            "file": dest.name,
            "bytes": dest.stat().st_size,
            "sha256": file_sha256(dest),
            "downloaded_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if page is not None:
            records[key]["page"] = page
        _write_manifest(manifest_path, records)
        out[key] = dest
    return out


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
    ``epraccur`` must have no header and 27 fields per line; ``imd2019`` must be a workbook with sheet
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
    _check_key(key)
    p = Path(path)
    if key == "imd2019":
        _check_imd_layout(p)
        return
    if key == "epraccur":
        _check_epraccur_layout(p)
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
