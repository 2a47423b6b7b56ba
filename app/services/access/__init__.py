"""Who is acting and what they may do: the actor and the role table (including the
rule that hides file-less drafts from commune staff), user accounts and API tokens,
password hashing, signed-in browser sessions, the sign-in rate limit, and the
administration of accounts.
"""
