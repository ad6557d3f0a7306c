"""Read models over the mirror: timelines, search, traceability, bid receipts; shared by the API and the CLI.

They sit after the store in the flow (chain → indexer → store → read → api): they query the store and decode the
raw logs with the indexer's pure decoder, and never write.
"""
