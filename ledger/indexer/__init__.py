"""The indexer: fetch logs from the chain, decode them, apply them to the SQL mirror."""
