"""Study areas hubopt knows by name, and the hand-typed facts about their hospitals (each with its source).

An analyst can build a study for any set of districts (``hubopt study build --districts ...``); the areas here add
what the published files do not hold: which hospitals belong to the estate, their beds and plan status, and
registration shares, each figure with its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubopt.errors import InputError, quote

WK_PLAN = "NHS West Kent CCG, Local Care Plan v1.5 (31 July 2017)"
MSE_BRIEFINGS = "Mid and South Essex Success Regime briefings (January and April 2016)"
#: Source of the Mid and South Essex community hospitals: the list names them; no plan gives their beds or status.
NHS_LIST_COMMUNITY = "site and name: NHS website hospital list (no plan status or beds sourced)"


@dataclass(frozen=True)
class HospitalSite:
    """A hospital of the area's estate.

    Attributes
    ----------
    site_id : str
        ODS code.
    name : str
        Plain name.
    type : str
        ``community_hospital`` or ``acute_hospital``.
    beds : int or None
        Community beds, where a plan states them.
    plan_status : str
        What the plan says of the site.
    source : str
        Source of the typed facts.
    piloted_beds : int or None
        Beds piloted on top of ``beds``, where a plan states them (reported beside today's beds, not in them).
    locate_by : str
        ``nhs_hospital_list`` (by ODS code) or ``stroke_units`` (by postcode, for sites missing from the list).
    key : str
        The ODS code or the stroke-unit postcode key used to find the site's location.
    tenure : str or None
        How the site is held, where a plan says (``leased`` ...); its source is ``source``'s plan.
    availability : str or None
        What a plan says of the site's availability when it gives no year (e.g. a lease expiring): written to the
        register's ``availability_source``; ``available_until`` stays blank (no year is invented).
    site_utilisation_pct : float or None
        Share of the (wider) site in use, per cent, where a plan states it.
    """

    site_id: str
    name: str
    type: str
    beds: int | None
    plan_status: str
    source: str
    piloted_beds: int | None = None
    locate_by: str = "nhs_hospital_list"
    key: str = ""
    tenure: str | None = None
    availability: str | None = None
    site_utilisation_pct: float | None = None


@dataclass(frozen=True)
class AreaSpec:
    """A study area: its districts and the facts typed from its plans."""

    key: str
    name: str
    description: str
    districts: dict[str, str]
    hospitals: list[HospitalSite] = field(default_factory=list)
    registration_share: dict[str, float] = field(default_factory=dict)
    registration_share_source: str | None = None
    notes: list[str] = field(default_factory=list)
    hospital_facts_source: str | None = None


WEST_KENT = AreaSpec(
    key="west_kent",
    name="West Kent",
    description="NHS West Kent CCG area: Maidstone, Sevenoaks, Tonbridge and Malling, Tunbridge Wells",
    districts={
        "E07000110": "Maidstone",
        "E07000111": "Sevenoaks",
        "E07000115": "Tonbridge and Malling",
        "E07000116": "Tunbridge Wells",
    },
    hospitals=[
        HospitalSite(
            "RYYD6",
            "Hawkhurst Community Hospital",
            "community_hospital",
            22,
            "unlikely to change",
            f"beds and status: {WK_PLAN}",
        ),
        HospitalSite(
            "RYYDC",
            "Tonbridge Cottage Hospital",
            "community_hospital",
            14,
            "lease expiring; consultation on its future; +8 therapy-led beds piloted",
            f"beds, piloted beds and status: {WK_PLAN}",
            piloted_beds=8,
            tenure="leased",
            availability="lease expiring, future under consultation; the plan gives no end year",
        ),
        HospitalSite(
            "RYYD9",
            "Sevenoaks Community Hospital",
            "community_hospital",
            18,
            "wider site only 34 % utilised; options for beds to be reviewed",
            f"beds and status: {WK_PLAN}",
            site_utilisation_pct=34.0,
        ),
        HospitalSite(
            "RYYD4",
            "Edenbridge Community Hospital",
            "community_hospital",
            14,
            "consultation completed; recommendations pending",
            f"beds and status: {WK_PLAN}",
        ),
        HospitalSite("RWF03", "Maidstone Hospital", "acute_hospital", None, "acute hospital", f"role: {WK_PLAN}"),
        HospitalSite(
            "RWFTW",
            "Tunbridge Wells Hospital at Pembury",
            "acute_hospital",
            None,
            "acute hospital",
            f"role: {WK_PLAN}",
        ),
    ],
    registration_share={"E07000111": 0.594},
    registration_share_source=f"{WK_PLAN}: 59.4 % of Sevenoaks residents register with West Kent practices",
    notes=[
        "Practices are main practice sites; the WK plan counts 86 premises including branch surgeries.",
        "Two practices opened or re-coded since January 2021 have no list size.",
    ],
    hospital_facts_source=WK_PLAN,
)

MID_SOUTH_ESSEX = AreaSpec(
    key="mid_south_essex",
    name="Mid and South Essex",
    description="Mid and South Essex: Mid Essex, Basildon and Brentwood, Thurrock, Southend, Castle Point and "
    "Rochford CCG areas",
    districts={
        "E07000066": "Basildon",
        "E07000067": "Braintree",
        "E07000068": "Brentwood",
        "E07000069": "Castle Point",
        "E07000070": "Chelmsford",
        "E07000074": "Maldon",
        "E07000075": "Rochford",
        "E06000033": "Southend-on-Sea",
        "E06000034": "Thurrock",
    },
    hospitals=[
        HospitalSite(
            "RAJ32",
            "Broomfield Hospital",
            "acute_hospital",
            None,
            "acute hospital (listed as 'Mid Essex Hospital' in the NHS hospital list)",
            f"role: {MSE_BRIEFINGS}",
        ),
        HospitalSite(
            "RAJ01", "Southend Hospital", "acute_hospital", None, "acute hospital", f"role: {MSE_BRIEFINGS}"
        ),
        HospitalSite(
            "SS165NL",
            "Basildon University Hospital",
            "acute_hospital",
            None,
            "acute hospital (missing from the NHS hospital list; located from the stroke-unit list, and "
            "identified by its postcode because no ODS site code for it is in the source files)",
            f"role: {MSE_BRIEFINGS}",
            locate_by="stroke_units",
            key="SS165NL",
        ),
        *(
            HospitalSite(code, name, "community_hospital", None, status, NHS_LIST_COMMUNITY)
            for code, name, status in (
                ("RAJ25", "Brentwood Community Hospital", "community hospital"),
                ("R1L10", "Rochford Community Hospital", "community hospital"),
                ("R1L50", "Thurrock Community Hospital", "community hospital"),
                (
                    "RATPH",
                    "Orsett Hospital",
                    "community hospital site (listed as 'Orsett Hospital Minor Injuries Unit - North East London NHS "
                    "Foundation Trust' in the NHS hospital list)",
                ),
                ("RDEEK", "Halstead Hospital", "community hospital"),
                (
                    "NBI02",
                    "Billericay Community Hospital",
                    "community hospital site (listed as 'Lakeside Medical Diagnostics - Billericay Community "
                    "Hospital' in the NHS hospital list)",
                ),
            )
        ),
    ],
    notes=[
        "No community-bed figures are held for Mid and South Essex: none of its sites carries a bed number (the NHS "
        "hospital list gives none, and the briefings give none by site), so a scenario that plans beds must give "
        "its own baseline with its source (beds.baseline_beds, beds.baseline_source); no other area's beds are "
        "used.",
        "The community hospitals (type community_hospital) are the six sites of the NHS hospital list in the "
        "area that are NHS community hospitals: the four listed as community hospitals (Brentwood, Rochford, "
        "Thurrock, Billericay), Orsett Hospital and Halstead Hospital; the list's independent hospitals and other "
        "NHS sites (offices, clinics) are not in the register. St Peter's Hospital (Maldon) and Braintree "
        "Community Hospital are in the ERIC returns (RQ8LJ, RQ8RR) but not in the NHS hospital list, so they have "
        "no location here and are left out.",
        "The community hospitals' ERIC estates returns are filed under the codes of the trusts that ran them "
        "before the 2020 mergers (e.g. Rochford RWN10, Thurrock RWN50, Brentwood RDDH6), which hubopt does not "
        "match to today's codes: they carry no running cost, floor area or backlog.",
    ],
    hospital_facts_source=MSE_BRIEFINGS,
)

#: Areas by key.
AREAS: dict[str, AreaSpec] = {a.key: a for a in (WEST_KENT, MID_SOUTH_ESSEX)}


def area_for(key: str | None = None, districts: list[str] | None = None, name: str | None = None) -> AreaSpec:
    """A named area, or an ad-hoc one for a list of district codes (names filled in from the source files).

    A named area has its own districts and name: giving districts or a name with it is refused, not ignored.
    """
    if key is not None and districts:
        raise InputError(
            f"both --area {key} and --districts {' '.join(districts)} were given; a named area has its own districts",
            setting="--districts",
            hint=f"give --area {key} alone, or --districts (with --name) alone for a study of other districts",
        )
    if key is not None and name is not None:
        raise InputError(
            f"--name {quote(name)} was given with --area {key}, which has its own name",
            setting="--name",
            hint="drop --name, or use --districts to build a study of your own name",
        )
    if key is not None:
        if key not in AREAS:
            raise InputError(
                f"unknown area {key!r}", setting="--area", hint=f"use one of: {', '.join(AREAS)}, or give --districts"
            )
        return AREAS[key]
    if not districts:
        raise InputError("name an area (--area) or list district codes (--districts)", setting="--districts")
    bad = [d for d in districts if not (len(d) == 9 and d[0] == "E" and d[1:].isdigit())]
    if bad:
        raise InputError(
            f"{', '.join(bad)} are not ONS local authority district codes",
            setting="--districts",
            hint="codes look like E07000110 (Maidstone); see the ONS Open Geography Portal",
        )
    return AreaSpec(
        key="custom",
        name=name or "Custom study",
        description=f"districts {', '.join(districts)}",
        districts={d: "" for d in districts},
    )
