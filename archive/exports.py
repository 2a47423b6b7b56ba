"""Export receipts: which package of which records left Kho, when, by whom (issue 11)."""
from __future__ import annotations
