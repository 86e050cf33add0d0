"""nbtrack's notebook layer: figure builders, live run view, dashboard and static fallbacks.

Nothing here is imported by ``import nbtrack``; the package loads these modules
when a view is first displayed.
"""
