"""The Primary Care Network of each GP practice of a built study (the plan's "clusters"), from the NHS ODS ePCN
release.

:func:`attach_pcns` adds ``pcn_code`` and ``pcn_name`` to the site register: a practice's current PCN in the release
(blank for a practice the release does not list, and for every site that is not a GP practice). Practices without a
PCN are counted and named in the build report, never dropped.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from hubopt.build.sources import BuildSources
from hubopt.build.study_tables import BuildReport
from hubopt.io.pcn import read_pcn_memberships

__all__ = ["PCN_SITE_COLUMNS", "attach_pcns"]

#: The register columns :func:`attach_pcns` fills.
PCN_SITE_COLUMNS = ("pcn_code", "pcn_name")
#: The build report's count of practices with a PCN, and of PCNs.
WITH_PCN = "GP practices with a PCN (ePCN)"
WITHOUT_PCN = "GP practices without a PCN"
PCNS = "Primary Care Networks (PCNs) of the study's practices"


def attach_pcns(sources: BuildSources, sites: gpd.GeoDataFrame, report: BuildReport) -> gpd.GeoDataFrame:
    """The sites with ``pcn_code`` and ``pcn_name``: each GP practice's current PCN in the ePCN release.

    The release is the source ``pcn``: a source folder's extract of the ``PCN Core Partner Details`` sheet, or a
    download cache's ``epcn.zip`` (``hubopt fetch data --only epcn``), read through its ``ePCN.xlsx``.

    Parameters
    ----------
    sources : BuildSources
        Where the build reads its files.
    sites : geopandas.GeoDataFrame
        The study's sites (``site_id``, ``type``); not changed.
    report : BuildReport
        Receives the counts of practices with a PCN and of PCNs, a note naming the practices without one, and
        the release's label (``labels["pcn"]``).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``sites`` with ``pcn_code`` and ``pcn_name`` (empty text where there is none).
    """
    out = sites.copy()
    practice = (out["type"] == "gp_practice").to_numpy()
    out["pcn_code"] = ""
    out["pcn_name"] = ""
    with sources.readable("pcn") as (pcn_file, _):
        memberships = read_pcn_memberships(pcn_file)
    if sources.cache:
        report.labels["pcn"] = _downloaded_label(memberships, sources)
    by_practice = memberships.set_index("practice_code")
    codes = out["site_id"].astype(str)
    listed = practice & codes.isin(by_practice.index).to_numpy()
    out.loc[listed, "pcn_code"] = codes[listed].map(by_practice["pcn_code"]).to_numpy()
    out.loc[listed, "pcn_name"] = codes[listed].map(by_practice["pcn_name"]).to_numpy()
    report.counts[WITH_PCN] = int(listed.sum())
    report.counts[WITHOUT_PCN] = int((practice & ~listed).sum())
    report.counts[PCNS] = int(pd.Series(out.loc[listed, "pcn_code"]).nunique())
    without = sorted(codes[practice & ~listed])
    if without:
        report.notes.append(
            f"{len(without)} of {int(practice.sum())} GP practices have no current PCN in the ePCN release "
            f"(closed, merged or not yet listed): {', '.join(without)}; they keep a blank pcn_code"
        )
    return out


def _downloaded_label(memberships: pd.DataFrame, sources: BuildSources) -> str:
    """The ePCN release named by its newest relationship start date and the cache's download date."""
    latest = pd.to_datetime(memberships["start_date"]).max()
    when = sources.downloaded("pcn")
    newest = f"newest relationship {latest.date().isoformat()}" if pd.notna(latest) else "no dates"
    return f"NHS ODS ePCN, practice-to-PCN relationships ({newest}" + (f"; downloaded {when})" if when else ")")
