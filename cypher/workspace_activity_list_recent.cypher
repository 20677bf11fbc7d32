// Template (graph/records/workspace.py): returns kind, uid, at, title, customer_uid and
// customer of the follow-ups, orders and tickets (of the labels in $kinds) at or after
// $since (the times are indexed), newest first, at most $limit: the plan for a reader who
// sees every customer (workspace_activity_list_recent_of_customers starts from a team).
// params: since, limit, kinds
CALL {
  MATCH (f:FollowUp)-[:ABOUT]->(n:Customer)
  WHERE 'FollowUp' IN $kinds AND f.at >= $since
  RETURN 'FollowUp' AS kind, f.uid AS uid, f.at AS at, f.summary AS title, n.uid AS customer_uid,
    n.name AS customer
  UNION ALL
  MATCH (n:Customer)-[:PLACED]->(o:Order)
  WHERE 'Order' IN $kinds AND o.at >= $since
  RETURN 'Order' AS kind, o.uid AS uid, o.at AS at, o.product AS title, n.uid AS customer_uid,
    n.name AS customer
  UNION ALL
  MATCH (n:Customer)-[:RAISED]->(t:Ticket)
  WHERE 'Ticket' IN $kinds AND t.created_at >= $since
  RETURN 'Ticket' AS kind, t.uid AS uid, t.created_at AS at, t.subject AS title,
    n.uid AS customer_uid, n.name AS customer
}
RETURN kind, uid, at, title, customer_uid, customer
ORDER BY at DESC, uid
LIMIT $limit
