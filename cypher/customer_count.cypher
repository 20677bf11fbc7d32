// Returns count: the number of Customer nodes (seeding the demo only into an empty graph).
// params: none
MATCH (c:Customer)
RETURN count(c) AS count
