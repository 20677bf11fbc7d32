// Returns count: every node in the graph, of any label (the benchmarks load their dataset
// into a Neo4j database only when it holds none, and never delete anything there).
// params: none
MATCH (n)
RETURN count(n) AS count
