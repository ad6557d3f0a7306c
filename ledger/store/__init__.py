"""The SQL mirror: raw chain logs, the projections derived from them, and the indexer's checkpoint."""
