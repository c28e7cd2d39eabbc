"""Sphinx configuration of hubopt's API reference (build: ``python -m sphinx -W docs/api docs/api/_build``)."""

from hubopt._version import __version__

project = "hubopt"
author = "hubopt developers"
release = __version__
version = __version__

extensions = ["sphinx.ext.autodoc", "numpydoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpy-style docstrings say the types, in words an analyst reads
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
