"""``kho export``: a request checked into a plan, the package writers (JSON Lines, CSV,
Dublin Core XML, BagIt), where a package is written while incomplete, and the receipts
that set the ``--since`` window.
"""
