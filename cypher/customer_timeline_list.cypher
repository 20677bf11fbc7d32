// Returns kind (the entry's node label), uid, at, title, detail, detail_of (the property
// the detail is), amount for the follow-ups, orders and tickets of the customer $uid,
// newest first, at most $limit (an order's detail is its currency).
// params: uid, limit
CALL {
  MATCH (f:FollowUp)-[:ABOUT]->(:Customer {uid: $uid})
  RETURN 'FollowUp' AS kind, f.uid AS uid, f.at AS at, f.summary AS title, f.method AS detail,
    'method' AS detail_of, null AS amount
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:PLACED]->(o:Order)
  RETURN 'Order' AS kind, o.uid AS uid, o.at AS at, o.product AS title,
    o.currency AS detail, 'currency' AS detail_of, o.amount AS amount
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:RAISED]->(t:Ticket)
  RETURN 'Ticket' AS kind, t.uid AS uid, t.created_at AS at, t.subject AS title,
    t.status AS detail, 'status' AS detail_of, null AS amount
}
RETURN kind, uid, at, title, detail, detail_of, amount
ORDER BY at DESC, uid
LIMIT $limit
