"""The processing job: run the ingest steps on one original, record derivatives,
facts and problems, and hand the product to the index.
"""
