"""``kho import``: reading a Kho BagIt export, mapping its vocabularies onto this
instance, and writing each product's rows and objects (restore, migrate, merge).
"""
