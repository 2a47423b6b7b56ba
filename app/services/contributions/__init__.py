"""The plan's reporting chain: each body's yearly contribution (results, difficulties,
proposals) from draft to submitted, returned or accepted, and the consolidating body's
checklist of who was expected, who submitted and who is late.
"""
