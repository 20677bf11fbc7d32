// Template (graph/records/workspace.py): returns kind, uid, at, title, customer_uid and
// customer of the follow-ups, orders and tickets (of the labels in $kinds) at or after
// $since of the Customer nodes the filters (a reader's team scope, as a walk from the
// user) let through, newest first, at most $limit: the plan for a reader who sees few
// customers (workspace_activity_list_recent starts from the times instead).
// params: since, limit, kinds
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
CALL {
  WITH n
  MATCH (f:FollowUp)-[:ABOUT]->(n)
  WHERE 'FollowUp' IN $kinds AND f.at >= $since
  RETURN 'FollowUp' AS kind, f.uid AS uid, f.at AS at, f.summary AS title
  UNION ALL
  WITH n
  MATCH (n)-[:PLACED]->(o:Order)
  WHERE 'Order' IN $kinds AND o.at >= $since
  RETURN 'Order' AS kind, o.uid AS uid, o.at AS at, o.product AS title
  UNION ALL
  WITH n
  MATCH (n)-[:RAISED]->(t:Ticket)
  WHERE 'Ticket' IN $kinds AND t.created_at >= $since
  RETURN 'Ticket' AS kind, t.uid AS uid, t.created_at AS at, t.subject AS title
}
RETURN kind, uid, at, title, n.uid AS customer_uid, n.name AS customer
ORDER BY at DESC, uid
LIMIT $limit
