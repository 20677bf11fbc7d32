// Returns kind, uid, at, title, detail for the follow-ups, orders and tickets of the
// customer $uid, newest first, at most $limit.
// params: uid, limit
CALL {
  MATCH (f:FollowUp)-[:ABOUT]->(:Customer {uid: $uid})
  RETURN 'followup' AS kind, f.uid AS uid, f.at AS at, f.summary AS title, f.method AS detail
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:PLACED]->(o:Order)
  RETURN 'order' AS kind, o.uid AS uid, o.at AS at, o.product AS title,
    toString(o.amount) + ' ' + coalesce(o.currency, '') AS detail
  UNION ALL
  MATCH (:Customer {uid: $uid})-[:RAISED]->(t:Ticket)
  RETURN 'ticket' AS kind, t.uid AS uid, t.created_at AS at, t.subject AS title,
    t.status AS detail
}
RETURN kind, uid, at, title, detail
ORDER BY at DESC, uid
LIMIT $limit
