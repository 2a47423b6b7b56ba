"""Preservation state of originals: fixity checks and the replica copy (issue 14)."""
from __future__ import annotations
