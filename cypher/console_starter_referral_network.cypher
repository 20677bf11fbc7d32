// returns up to 100 referral paths (who referred which customer), to see as a graph
// params: none
MATCH p = (r)-[:REFERRED]->(c:Customer)
RETURN p
LIMIT 100
