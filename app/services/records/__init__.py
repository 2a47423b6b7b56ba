"""The shapes a product takes when it leaves Kho: the native record as plain data and
its bulk reading for a window of products, the ``kho`` XML and simple Dublin Core
writers, safe hand-written XML text, which version of each product was last sent out,
and the tombstones of deleted records. Shared by OAI-PMH and the exports; no area below
the catalogue needs more than these shapes.
"""
