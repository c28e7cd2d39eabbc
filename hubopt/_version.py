"""The installed hubopt's version, read from the package metadata.

Modules that record which hubopt wrote a file import the version from here, not from the root package, so no module
inside hubopt imports ``hubopt`` itself (the root package is the public API, at the top of the layers).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hubopt")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
