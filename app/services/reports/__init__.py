"""The yearly report: its product list, its Vietnamese wording, the Word document in the
layout of Nghị định 30/2020 and the Excel workbook, and the use case that writes them
for ``kho report`` and the dashboard's buttons.
"""
