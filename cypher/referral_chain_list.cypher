// Returns uid, label, referrers (uids of the nodes that referred it): one row for the customer $uid and for each node upstream of it along REFERRED (at most 100 hops); no row when there is no such customer
// params: uid
MATCH (c:Customer {uid: $uid})<-[:REFERRED*0..100]-(x)
WITH DISTINCT x
OPTIONAL MATCH (x)<-[:REFERRED]-(y)
RETURN x.uid AS uid, labels(x)[0] AS label, collect(y.uid) AS referrers
