"""The official source files hubopt can download: their publishers, licences, addresses and cache names.

:data:`SOURCES` lists the official files hubopt reads, with their publisher, licence and download address. Each
address is one seen in public code that downloads the same file (recorded next to it). Publishers move files (new
releases get new addresses, portals are rebuilt), so any address can be overridden, on the command line with
``--url KEY=URL`` (see :func:`parse_url_overrides`) or with ``urls=`` in :func:`hubopt.build.fetch.fetch_sources`.
NHS Digital's monthly GP list sizes have no fixed address at all: their file is found on the publisher's release
page at fetch time (:mod:`hubopt.build.publications`); ``--url gp_list_sizes=URL`` takes that file's address or a
month's page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from hubopt.build.publications import resolve_gp_list_sizes
from hubopt.errors import InputError

#: The hint of a failed download: how to give a publisher's current address.
OVERRIDE_HINT = "check the address, or give the publisher's current one with --url KEY=URL"


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
        # ODS "ePCN" (GP practice-related data): a zip holding ePCN.xlsx, sheets PCNDetails and PCN Core Partner
        # Details. This address is downloaded by public R scripts of 2021-25 that read the sheet "PCN Core Partner
        # Details" (and by Python ones saving it as ePCN.zip); the same file is served from
        # https://nhs-prod.global.ssl.fastly.net/binaries/content/assets/website-assets/services/ods/
        # data-downloads-other-nhs-organisations/epcn.zip.
        RemoteFile(
            "epcn",
            "Primary Care Networks: practice-to-PCN relationships (ODS ePCN, ePCN.xlsx in epcn.zip)",
            "NHS England Organisation Data Service",
            _OGL,
            "https://digital.nhs.uk/binaries/content/assets/website-assets/services/ods/"
            "data-downloads-other-nhs-organisations/epcn.zip",
            "https://digital.nhs.uk/services/organisation-data-service/export-data-files/csv-downloads/gp-and-gp-practice-related-data",
            "epcn.zip",
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
        check_key(key)
        if not re.match(r"^https?://", url, flags=re.IGNORECASE):
            raise InputError(f"--url {key}: {url!r} is not an http:// or https:// address")
        out[key] = url
    return out


def check_key(key: str) -> RemoteFile:
    """The source of ``key``; an InputError listing the known sources when there is none."""
    if key not in SOURCES:
        raise InputError(
            f"unknown source {key!r}",
            hint=f"known sources: {', '.join(SOURCES)}",
        )
    return SOURCES[key]


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


def is_page(source: RemoteFile, url: str) -> bool:
    """Whether ``url`` given for a source with a resolver is a publisher's page rather than the file itself."""
    return source.resolver is not None and Path(urlsplit(url).path).suffix.lower() not in _DATA_SUFFIXES
