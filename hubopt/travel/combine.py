"""A travel time that weighs each zone's car and public-transport times by its households without a car.

For zone *i* and site *j*, with *s_i* the zone's share of households without a car (Census 2021 TS045)::

    t_ij = (1 - s_i) * drive_ij + s_i * public_transport_ij

A zone where every household has a car (s = 0) counts its drive time only; one where none has (s = 1) its
public-transport time only. A site the public transport does not reach from the zone stays unreachable unless the
zone has no households without a car (s = 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class CombineSpec:
    """The scenario's ``travel.combine``: the drive mode, the public-transport mode and the share file."""

    drive: str
    public_transport: str
    no_car_share: Path


def combined_minutes(drive: np.ndarray, public_transport: np.ndarray, no_car_share: np.ndarray) -> np.ndarray:
    """Zone × site minutes weighed by each zone's share of households without a car.

    Parameters
    ----------
    drive, public_transport : numpy.ndarray
        Zone × site minutes (``inf`` where unreachable), the same shape.
    no_car_share : numpy.ndarray
        One share (0..1) per zone (row).

    Returns
    -------
    numpy.ndarray
        ``(1 - s) * drive + s * public_transport`` row by row; where a share is 0 only the drive time counts (an
        unreachable public-transport time does not make it unreachable) and where it is 1 only the
        public-transport time counts.
    """
    s = np.asarray(no_car_share, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        car_part = np.where(s < 1, (1 - s) * drive, 0.0)
        pt_part = np.where(s > 0, s * public_transport, 0.0)
    return car_part + pt_part
