"""The fold: events in, projection rows out, in memory. The indexer writes its result to the mirror; the verifier
replays a process with it and never touches the mirror. Nothing here imports ledger.store (import-linter holds it).
"""
