// Returns p, the contacts who work for the customer $uid, ordered by name.
// params: uid
MATCH (p:Contact)-[:WORKS_FOR]->(c:Customer {uid: $uid})
RETURN p
ORDER BY p.name, p.uid
