"""The Cypher console page and API."""
