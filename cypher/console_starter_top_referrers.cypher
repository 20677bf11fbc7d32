// returns the top 20 referrers (customers, contacts or external referrers) by number of
// customers they referred
// params: none
MATCH (r)-[:REFERRED]->(c:Customer)
RETURN labels(r)[0] AS kind, r.uid AS uid, r.name AS name, count(DISTINCT c) AS customers_referred
ORDER BY customers_referred DESC, name
LIMIT 20
