"""Find a file on a publisher's release pages, for sources that give every release its own address.

NHS Digital (NHS England) publishes "Patients Registered at a GP Practice" as one page per month, e.g.
``https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice/
may-2023``, and each month's files live at addresses that cannot be guessed, e.g.
``https://files.digital.nhs.uk/F1/3E4D66/gp-reg-pat-prac-all.csv`` (the May 2023 pair is quoted in
traffordDataLab/open_data, ``general_practice/patient_registrations/pre-processing.R``). Public code that downloads
the file reads the month page and picks the link whose name is the file's (ebmdatalab's openprescribing does so
for ``gp-reg-pat-prac-quin-age.zip``; other public scripts look for ``<a class="nhsd-a-box-link" href=".../
gp-reg-pat-prac-all.zip">``): newer months publish the file zipped.

:func:`resolve_gp_list_sizes` does the same through the session object that :func:`hubopt.build.fetch.download` uses
(anything with ``get(url, headers=, stream=, timeout=)`` returning a response with ``status_code``, ``headers``,
``iter_content`` and context-manager support), so tests can serve recorded pages without a network.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from hubopt.errors import InputError

__all__ = [
    "GP_LIST_SIZES_PAGE",
    "file_links",
    "month_pages",
    "resolve_gp_list_sizes",
]

#: NHS Digital's page listing every monthly release of "Patients Registered at a GP Practice".
GP_LIST_SIZES_PAGE = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice"
)
#: Name of the all-persons-per-practice file on a month's page (``.csv``, or ``.zip`` in newer months).
GP_LIST_SIZES_FILE = "gp-reg-pat-prac-all"
#: Newest monthly pages tried before giving up: NHS Digital lists forthcoming months before their files exist.
MONTH_PAGES_TRIED = 4
#: A publication page larger than this is not a web page (e.g. a data file given as a page address).
MAX_PAGE_BYTES = 5 << 20
_TIMEOUT = (15, 60)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_PATH = re.compile(r"/patients-registered-at-a-gp-practice/(" + "|".join(_MONTHS) + r")-(\d{4})/?$", re.I)
_URL_HINT = (
    "open {page} in a browser, open the newest month, copy the address of the 'Totals (GP practice-all persons)' "
    "file (gp-reg-pat-prac-all.csv or .zip) and give it with --url gp_list_sizes=URL"
)


class _Links(HTMLParser):
    """Collects the ``href`` of every ``<a>`` element, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href.strip())


def _hrefs(html: str, base_url: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return [urljoin(base_url, h) for h in parser.hrefs]


def _network_errors() -> tuple[type[BaseException], ...]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency of osmnx
        return (OSError,)
    return (requests.RequestException, OSError)


def fetch_page(url: str, session: Any, *, hint: str | None = None) -> str:
    """The text of a publication page.

    Parameters
    ----------
    url : str
        The page.
    session : requests.Session-like
        Object with ``get(url, headers=, stream=, timeout=)``.
    hint : str, optional
        What to do when the page cannot be had (added to the error message).

    Returns
    -------
    str
        The page, decoded as UTF-8 (undecodable bytes replaced).

    Raises
    ------
    InputError
        On a connection error, an HTTP status other than 200, or more than :data:`MAX_PAGE_BYTES` bytes.
    """
    errors = _network_errors()
    try:
        response = session.get(url, headers={"Accept": "text/html"}, stream=True, timeout=_TIMEOUT)
    except errors as exc:
        raise InputError(
            f"could not connect to the publication page {url}: {exc}",
            hint=f"check the network connection and retry; or {hint}"
            if hint
            else "check the network connection and retry",
        ) from None
    with response:
        status = int(response.status_code)
        if status != 200:
            raise InputError(
                f"the server answered HTTP {status} for the publication page {url}",
                hint=f"the page may have moved: {hint}"
                if hint
                else "the page may have moved; find the file on the publisher's site and give its address with "
                "--url KEY=URL",
            )
        body = bytearray()
        try:
            for block in response.iter_content(chunk_size=1 << 16):
                body.extend(block)
                if len(body) > MAX_PAGE_BYTES:
                    raise InputError(
                        f"{url} sent more than {MAX_PAGE_BYTES:,} bytes: it is not a publication page",
                        hint="give the address of the publication page, or of the file itself, with --url KEY=URL",
                    )
        except errors as exc:
            raise InputError(f"reading the publication page {url} was interrupted: {exc}", hint="retry") from None
    return bytes(body).decode("utf-8", errors="replace")


def month_pages(html: str, base_url: str, *, today: date | None = None) -> list[str]:
    """The monthly release pages linked from the series page, newest first, forthcoming months left out.

    Parameters
    ----------
    html : str
        The series page (:data:`GP_LIST_SIZES_PAGE`).
    base_url : str
        Its address, to resolve relative links.
    today : datetime.date, optional
        Months after this one are left out (NHS Digital lists forthcoming releases); today by default.

    Returns
    -------
    list of str
        Absolute addresses, newest month first, each once.
    """
    today = today or date.today()
    found: dict[str, tuple[int, int]] = {}
    for href in _hrefs(html, base_url):
        path = urlsplit(href).path
        m = _MONTH_PATH.search(path)
        if not m:
            continue
        year, month = int(m.group(2)), _MONTHS.index(m.group(1).lower()) + 1
        if (year, month) > (today.year, today.month):
            continue
        found.setdefault(href.split("#")[0].rstrip("/"), (year, month))
    return sorted(found, key=lambda u: found[u], reverse=True)


def file_links(html: str, base_url: str, name: str = GP_LIST_SIZES_FILE) -> list[str]:
    """Links on a release page to the file called ``name`` (``.csv`` or ``.zip``), CSV links first.

    Parameters
    ----------
    html : str
        The release page.
    base_url : str
        Its address, to resolve relative links.
    name : str
        The file's name without extension. Longer names that start with it (``gp-reg-pat-prac-all-v2.csv``) match
        too; names that only share a prefix with it (``gp-reg-pat-prac-sing-age-male.csv``) do not.

    Returns
    -------
    list of str
        Absolute addresses in page order, ``.csv`` links before ``.zip`` links, each once.
    """
    pattern = re.compile(rf"^{re.escape(name)}(?:[-_.][^/]*)?\.(csv|zip)$", re.IGNORECASE)
    csv_links: list[str] = []
    zip_links: list[str] = []
    for href in _hrefs(html, base_url):
        basename = unquote(urlsplit(href).path.rsplit("/", 1)[-1])
        m = pattern.match(basename)
        if not m:
            continue
        bucket = csv_links if m.group(1).lower() == "csv" else zip_links
        if href not in bucket:
            bucket.append(href)
    return csv_links + zip_links


def _is_month_page(url: str) -> bool:
    return bool(_MONTH_PATH.search(urlsplit(url).path))


def resolve_gp_list_sizes(page: str, session: Any, *, today: date | None = None) -> str:
    """The address of ``gp-reg-pat-prac-all`` (all persons per practice) from NHS Digital's release pages.

    Given a month's page (``.../patients-registered-at-a-gp-practice/january-2021``), the file is taken from it.
    Given the series page (:data:`GP_LIST_SIZES_PAGE`), its newest months are tried in turn (at most
    :data:`MONTH_PAGES_TRIED`; a month whose files are not out yet has no link), and the first file found is used.

    Parameters
    ----------
    page : str
        The series page or a month's page.
    session : requests.Session-like
        Object with ``get(url, headers=, stream=, timeout=)``.
    today : datetime.date, optional
        For leaving out forthcoming months; today by default.

    Returns
    -------
    str
        The file's address (``.csv``, or ``.zip`` when the month publishes only a zip).

    Raises
    ------
    InputError
        When a page cannot be fetched, the series page links to no month, or no month tried links to the file
        (the page layout may have changed); the message names the pages and says how to give the address.
    """
    hint = _URL_HINT.format(page=page)
    if _is_month_page(page):
        links = file_links(fetch_page(page, session, hint=hint), page)
        if not links:
            raise InputError(
                f"the publication page {page} has no link to {GP_LIST_SIZES_FILE}.csv or .zip (the page layout "
                "may have changed, or this month's files are not out yet)",
                hint=hint,
            )
        return links[0]
    months = month_pages(fetch_page(page, session, hint=hint), page, today=today)
    if not months:
        raise InputError(
            f"the publication page {page} links to no monthly release (addresses ending in /<month>-<year>): the "
            "page layout may have changed",
            hint=hint,
        )
    tried = []
    for month in months[:MONTH_PAGES_TRIED]:
        try:
            html = fetch_page(month, session, hint=hint)
        except InputError as exc:  # a forthcoming month's page may not be up yet: try the month before
            tried.append(f"{month} ({exc.problem})")
            continue
        links = file_links(html, month)
        if links:
            return links[0]
        tried.append(f"{month} (no such link)")
    raise InputError(
        f"none of the newest monthly pages links to {GP_LIST_SIZES_FILE}.csv or .zip (tried {'; '.join(tried)}): "
        "the page layout may have changed",
        hint=hint,
    )
