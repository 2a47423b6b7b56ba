"""Originals in and out: receiving an upload (spool, SHA-256, storage, row), bulk
digitisation from a folder and its manifest, downloads with byte ranges and their
records, PDF pages as images, and a producer's answers to a failed file.
"""
