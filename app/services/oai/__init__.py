"""The OAI-PMH 2.0 data provider: requests checked into typed arguments, what each request
answers from the catalogue, the resumption tokens, and the XML responses streamed out.
"""
