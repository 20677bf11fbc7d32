"""The store: protocol, FalkorDB and Neo4j backends, embedded server, statement library, schema."""
