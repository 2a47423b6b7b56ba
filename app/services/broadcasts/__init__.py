"""The broadcast log: evidence that a product was aired on a commune's radio on a date,
and the withdrawal of a log that should not count.
"""
