"""The office's figures against the plan's 2028 targets: the scope of a request in SQL,
the aggregates, the figures as plain data, usage per commune, the cache that reuses
them while nothing counted has changed, and the next steps the dashboard lists.
"""
