"""The broadcast log: evidence that a product was aired on a commune's radio on a day,
in a part of that day (one log per airing: ``slots``), by the commune that existed that
day (``communes``), and the withdrawal of a log that should not count.
"""
