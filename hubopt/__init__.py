"""hubopt: where should local care hubs and community beds go?

Geospatial loaders for NHS and ONS open data, travel-time estimates, PuLP facility-location models and maps, for
estates teams planning local care hubs and community beds.
"""

from hubopt._version import __version__

__all__ = ["__version__"]
