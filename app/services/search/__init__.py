"""Finding products: request parameters turned into an index query for the actor, the
media facts a page of hits shows, and keeping the Whoosh index in step with the
catalogue (the backlog, flushes, rebuilds), and on several machines one writer
publishing it through the object store while the readers follow (``sync``).
"""
