"""Keeping originals whole: fixity checks and repairs across every copy, writing to the
replica and following its lag, the worker's rolling audit, the preservation state as
operators see it, and the database backup and restore.
"""
