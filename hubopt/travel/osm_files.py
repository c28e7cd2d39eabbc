"""Reading OpenStreetMap files into a raw network graph: OSM PBF extracts (through pyosmium), OSM XML and GraphML.

The format is checked from the file's content, not only its name. PBF ways are filtered with
:func:`~hubopt.travel.osm_tags.way_allowed` while reading, then handed to osmnx's own XML reader, so oneway rules
and edge building are osmnx's. osmnx and pyosmium are imported when a file is read.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import networkx as nx

from hubopt.errors import InputError
from hubopt.travel.osm_tags import FILTER_TAGS, way_allowed

WHAT_TO_DO = (
    "give an OpenStreetMap extract of the study area (.osm.pbf, e.g. the county extract from Geofabrik, or .osm "
    "XML), or a GraphML file saved by `hubopt fetch network`"
)


@contextlib.contextmanager
def extra_way_tags() -> Iterator[None]:
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *FILTER_TAGS]))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved


def _file_kind(p: Path) -> str:
    name = p.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "osm_pbf"
    if name.endswith((".osm", ".xml", ".osm.bz2", ".osm.gz")):
        return "osm_xml"
    if name.endswith(".graphml"):
        return "graphml"
    return "unknown"


def _sniff(p: Path) -> str:
    with p.open("rb") as fh:
        head = fh.read(512)
    if not head.strip():
        return "empty"
    if b"OSMHeader" in head[:64]:
        return "osm_pbf"
    if head.startswith((b"BZh", b"\x1f\x8b")):
        return "compressed"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "graphml" if b"<graphml" in head.lower() else "osm_xml" if b"<osm" in head.lower() else "xml"
    return "other"


def _pbf_to_osm_xml(pbf: Path, out: Path, mode: str) -> int:
    """Write the ``mode`` ways of a PBF extract, with their nodes, as OSM XML; returns the number of ways."""
    try:
        import osmium
    except ImportError:  # pragma: no cover - osmium is a dependency
        raise InputError(
            "reading OSM PBF files needs the 'osmium' package (pyosmium)",
            path=pbf,
            hint="pip install osmium, or convert the extract to .osm XML (e.g. with osmium-tool)",
        ) from None
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    locations: dict[int, tuple[float, float]] = {}
    processor = (
        osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        assert isinstance(way, osmium.osm.Way)  # the entity filter passes only ways
        tags = {t.k: t.v for t in way.tags}
        if not way_allowed(tags, mode):
            continue
        refs = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():  # node missing from a clipped extract: the way is cut there
                continue
            refs.append(n.ref)
            locations[n.ref] = (loc.lon, loc.lat)
        if len(refs) >= 2:
            ways.append((way.id, refs, tags))
    with out.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hubopt">\n')
        for ref, (lon, lat) in locations.items():
            fh.write(f'<node id="{ref}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for way_id, refs, tags in ways:
            fh.write(f'<way id="{way_id}">')
            fh.write("".join(f'<nd ref="{r}"/>' for r in refs))
            fh.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            fh.write("</way>\n")
        fh.write("</osm>\n")
    return len(ways)


def _graph_from_osm_xml(path: Path, mode: str) -> nx.MultiDiGraph:
    import osmnx as ox

    with extra_way_tags():
        try:
            return ox.graph_from_xml(path, bidirectional=mode == "walk", simplify=False, retain_all=True)
        except Exception as exc:  # xml.sax errors, osmnx's InsufficientResponseError, ...
            raise InputError(
                f"the file could not be read as OpenStreetMap XML ({type(exc).__name__}: {str(exc)[:200]})",
                path=path,
                hint=WHAT_TO_DO,
            ) from None


def read_graph(p: Path, mode: str) -> tuple[nx.MultiDiGraph, str]:
    """The raw graph in a file (any CRS, not yet filtered) and its format."""
    import osmnx as ox

    kind = _file_kind(p)
    sniffed = _sniff(p)
    if sniffed == "empty":
        raise InputError("the network file is empty", path=p, hint=WHAT_TO_DO)
    if kind == "osm_pbf" or sniffed == "osm_pbf":
        if sniffed != "osm_pbf":
            raise InputError("the file is not an OpenStreetMap PBF file", path=p, hint=WHAT_TO_DO)
        with tempfile.TemporaryDirectory(prefix="hubopt_osm_") as tmp:
            xml = Path(tmp) / "ways.osm"
            try:
                n_ways = _pbf_to_osm_xml(p, xml, mode)
            except RuntimeError as exc:
                raise InputError(f"the OpenStreetMap PBF file could not be read ({exc})", path=p) from None
            if n_ways == 0:
                raise InputError(
                    f"the OpenStreetMap file holds no ways usable for the {mode} network",
                    path=p,
                    hint=WHAT_TO_DO,
                )
            return _graph_from_osm_xml(xml, mode), "osm_pbf"
    if sniffed == "graphml" or (kind == "graphml" and sniffed in ("xml", "graphml")):
        try:
            return ox.load_graphml(p), "graphml"
        except Exception as exc:
            raise InputError(
                f"the GraphML file could not be read as a network ({type(exc).__name__}: {str(exc)[:200]})",
                path=p,
                hint="save networks with `hubopt fetch network` or osmnx.save_graphml; " + WHAT_TO_DO,
            ) from None
    if (sniffed in ("osm_xml", "xml") and kind != "graphml") or (sniffed == "compressed" and kind == "osm_xml"):
        return _graph_from_osm_xml(p, mode), "osm_xml"
    raise InputError(
        "the file is not an OpenStreetMap extract (.osm.pbf or .osm XML) or a GraphML network",
        path=p,
        hint=WHAT_TO_DO,
    )
