"""Plumbing every area shares and none owns: parsing what the doors hand over as text
(dates, yes/no words, years), the Vietnam clock, the one atomic upsert for SQLite and
PostgreSQL, the outbox that sends jobs a committed write decided on, the leases on files
being processed, the spool folder of bytes in transit, and the sweep of what a killed
process left behind. Nothing here knows about products, roles or pages.
"""
