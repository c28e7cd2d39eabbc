"""Clusters (Primary Care Networks): each zone's PCN by its nearest practice, each PCN's people by hub, the summary
line and the report section, on hand-checked cases."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hubopt.analysis.clusters import CLUSTER_COLUMNS, cluster_counts, cluster_table, zone_clusters
from hubopt.errors import InputError
from hubopt.pipeline.summary import cluster_summary_line
from hubopt.render.report_clusters import clusters_section

#: Practices on a line: A at 0, one without a PCN at 10, B at 20 and 30.
PRACTICE_XY = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]])
PRACTICE_PCN = ["UA", "", "UB", "UB"]
PRACTICE_NAME = ["A PCN", "", "B PCN", "B PCN"]


def test_each_zone_takes_the_pcn_of_its_nearest_practice_with_one() -> None:
    zones = np.array([[1.0, 0.0], [9.0, 0.0], [16.0, 0.0], [10.0, 0.0], [29.0, 5.0]])
    placed = zone_clusters(zones, PRACTICE_XY, PRACTICE_PCN, PRACTICE_NAME)
    assert placed is not None
    # (9, 0) is nearest the practice without a PCN (1 m): it takes A's (9 m) rather than B's (11 m);
    # (10, 0) is 10 m from A and from B: the first practice counts.
    assert placed["pcn_code"].tolist() == ["UA", "UA", "UB", "UA", "UB"]
    assert placed["pcn_name"].tolist() == ["A PCN", "A PCN", "B PCN", "A PCN", "B PCN"]
    assert placed["practice"].tolist() == [0, 0, 2, 0, 3]


def test_zone_clusters_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    zones = rng.uniform(0, 10_000, size=(300, 2))
    practices = rng.uniform(0, 10_000, size=(40, 2))
    codes = [f"U{i % 7}" if i % 5 else "" for i in range(40)]
    placed = zone_clusters(zones, practices, codes, codes)
    assert placed is not None
    for z, (x, y) in enumerate(zones):
        best = min(
            (i for i in range(40) if codes[i]), key=lambda i: (x - practices[i, 0]) ** 2 + (y - practices[i, 1]) ** 2
        )
        assert placed["practice"].iloc[z] == best
        assert placed["pcn_code"].iloc[z] == codes[best]


def test_no_practice_with_a_pcn_gives_no_clusters() -> None:
    assert zone_clusters(np.zeros((2, 2)), PRACTICE_XY, ["", "", None, " "], ["", "", "", ""]) is None


def test_practice_inputs_of_different_lengths_are_refused() -> None:
    with pytest.raises(InputError) as err:
        zone_clusters(np.zeros((2, 2)), PRACTICE_XY, PRACTICE_PCN[:3], PRACTICE_NAME)
    assert err.value.parameter == "practice_pcn"


def _table() -> pd.DataFrame:
    practices = pd.DataFrame({"pcn_code": ["UA", "UB", "UB", "UC"], "pcn_name": ["A PCN", "B PCN", "B PCN", "C PCN"]})
    return cluster_table(
        ["UA", "UA", "UB", "UB", "UB"],
        [100.0, 50.0, 30.0, 20.0, 10.0],
        ["H1", "H2", "H1", "H1", ""],
        ["Hub one", "Hub <two>", "Hub one", "Hub one", ""],
        practices,
    )


def test_cluster_table_hand_checked() -> None:
    t = _table()
    assert list(t.columns) == list(CLUSTER_COLUMNS)
    rows = [(r.pcn_code, r.practices, r.people, r.hubs, r.hub_id, r.hub_people) for r in t.itertuples(index=False)]
    assert rows == [
        ("UA", 1, 150.0, 2, "H1", 100.0),
        ("UA", 1, 150.0, 2, "H2", 50.0),
        ("UB", 2, 60.0, 1, "H1", 50.0),
        ("UB", 2, 60.0, 1, "", 10.0),  # people who reach no hub are kept, on a row of their own
        ("UC", 1, 0.0, 0, "", 0.0),  # a PCN whose practices are nearest to no zone still has its row
    ]
    assert t["hub_share"].iloc[:4].tolist() == pytest.approx([2 / 3, 1 / 3, 5 / 6, 1 / 6], rel=1e-12)
    assert np.isnan(t["hub_share"].iloc[4])
    people = t.drop_duplicates("pcn_code").set_index("pcn_code")["people"]
    assert (t.groupby("pcn_code")["hub_people"].sum() == people).all()  # every person counted once
    c = cluster_counts(t)
    assert (c.pcns, c.split, c.per_hub) == (3, 1, (1, 2))


def test_a_border_service_splits_a_pcn_but_is_not_a_hub_in_the_range() -> None:
    # H2 (another area's service at the border, status external) serves a third of UA: UA is still split between
    # the sites serving it, but the PCNs per hub count only H1, the area's own hub (UA and UB: 2).
    c = cluster_counts(_table(), border_services=["H2"])
    assert (c.pcns, c.split, c.per_hub) == (3, 1, (2, 2))


def test_summary_line_and_report_section() -> None:
    t = _table()
    t.attrs = {"rule": "RULE TEXT", "practices": 5, "practices_without_pcn": ["P9"]}
    no_border = {"sites": pd.DataFrame({"site_id": ["H1", "H2"]}), "result": SimpleNamespace(external=[])}
    line = cluster_summary_line(SimpleNamespace(clusters=t, **no_border))  # type: ignore[arg-type]
    assert line == (
        "  Clusters: 3 PCNs (4 of 5 practices have one; residents counted by nearest practice); each hub serves 1-2; "
        "1 split between hubs (clusters.csv)"
    )
    none = cluster_summary_line(SimpleNamespace(clusters=None, **no_border))  # type: ignore[arg-type]
    assert none.startswith("  Clusters: none (the study's GP practices have no PCN")
    html = clusters_section(t)
    assert '<h2 id="clusters">Clusters (Primary Care Networks)</h2>' in html
    assert "RULE TEXT" in html and "1 of 3 PCNs are split between hubs: A PCN." in html
    assert "Hub one (H1): 2 PCNs, 150 people" in html
    assert "Hub &lt;two&gt; (H2): 1 PCN, 50 people" in html and "Hub <two>" not in html
    assert "66.7%" in html and "P9" in html and "C PCN" in html
    assert "no Primary Care Network" in clusters_section(None)
