"""The Open Contracting Data Standard (OCDS 1.1.5): the official schemas, kept in this package so validation works
offline, and the ledger's exports to and imports from OCDS."""
