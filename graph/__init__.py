"""Everything that talks to the graph: store protocol, backends, schema, named Cypher.

Nothing here imports Flask, so the CLI, benchmarks and tests can use it directly.
"""
