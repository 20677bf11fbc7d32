"""The read-only Cypher console."""
