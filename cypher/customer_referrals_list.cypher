// Returns uid, name, stage, at: the customers the customer $uid referred, newest first.
// params: uid
MATCH (c:Customer {uid: $uid})-[r:REFERRED]->(x:Customer)
RETURN x.uid AS uid, x.name AS name, x.stage AS stage, r.at AS at
ORDER BY at DESC, uid
