"""The products themselves: create, read, update and delete with their history, the
checking of product metadata from every door, the read models the pages and the API
show, the vocabularies and units with their administration, and the theme and
convention suggestions producers confirm or dismiss.
"""
