"""The forum workbench's computing: a study prepared once, then questions answered, compared and explained fast.

No web code here: :mod:`hubopt.app` serves it in the browser.
"""
