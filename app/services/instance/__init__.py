"""An instance as a whole: ``kho init`` and the health checks, the registration of every
job on the queue with recovery at start-up, the sweeper every consumer runs, and the
operational figures ``/metrics`` reads.
"""
