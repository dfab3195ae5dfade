"""Attribution: which input pixels drove a class score, and whether to trust the map.

One module per method (each cites its paper), a shared :class:`AttributionModel`
(linear class scores, compiled gradients), the registry of methods and their parameters,
and the trust checks in :mod:`worker.techniques.attribution.trust`.
"""
