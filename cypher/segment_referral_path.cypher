// Template (the bound *1..10 is replaced by a checked number of hops): returns uids, the
// customers on the shortest referral path from $referrer down to $uid, the referrer first.
// params: referrer, uid
MATCH p = (r:Customer {uid: $referrer})-[:REFERRED*1..10]->(n:Customer {uid: $uid})
WITH [m IN nodes(p) | m.uid] AS uids
RETURN uids
ORDER BY size(uids)
LIMIT 1
