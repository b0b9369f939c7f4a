"""Apply: runs a Plan's steps against the API, and nothing else (``specs/apply.md``).

``executor`` (stale check, ordering, bounded parallelism, cancellation, outcomes),
``runstep`` (one change's calls, duplicate guard, read-back), ``waiter`` (polling coalesced
into list calls), ``outcomes`` (how a change ended). Decisions are the planner's.
"""
