// Returns kind, uid, at, title, detail, amount for the follow-ups, orders and tickets of
// the customer $uid, newest first, at most $limit (an order's detail is its currency).
// params: uid, limit
CALL {
  MATCH (f:FollowUp)-[:ABOUT]->(:Customer {uid: $uid})
  RETURN 'followup' AS kind, f.uid AS uid, f.at AS at, f.summary AS title, f.method AS detail,
    null AS amount
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:PLACED]->(o:Order)
  RETURN 'order' AS kind, o.uid AS uid, o.at AS at, o.product AS title,
    o.currency AS detail, o.amount AS amount
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:RAISED]->(t:Ticket)
  RETURN 'ticket' AS kind, t.uid AS uid, t.created_at AS at, t.subject AS title,
    t.status AS detail, null AS amount
}
RETURN kind, uid, at, title, detail, amount
ORDER BY at DESC, uid
LIMIT $limit
