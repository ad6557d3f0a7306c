"""Proofs that a document belongs to an anchored batch."""
