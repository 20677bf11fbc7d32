// Returns uid, depth, parent: one row per REFERRED path from the customer $uid down to a customer it referred, directly or through others (the bound 10 is replaced by the chosen depth)
// params: uid
MATCH p = (root:Customer {uid: $uid})-[:REFERRED*1..10]->(x:Customer)
RETURN x.uid AS uid, length(p) AS depth, nodes(p)[length(p) - 1].uid AS parent
