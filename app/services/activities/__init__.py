"""The activities register: trainings, dissemination conferences, seminars, exhibitions,
contests, press briefings and the other events of the plan's appendix, with their
participants, evidence files and the people they trained, and the spokesperson
mechanism of each administrative body.
"""
