// Template (graph/records/pipeline.py): returns uid, name, version, stage, owner (a
// [uid, display name] pair, or null), last_follow_up (the latest follow-up time, or null) and
// amounts (a list of [currency, sum of order amounts] pairs, one per currency) of one page
// of Customer nodes matching the filters compiled into WHERE (row-level scope, stage, owner,
// tag, region, channel), most recently changed first, then by uid; skipping $skip, at most
// $limit. The page is cut before the follow-ups and orders are read.
// params: skip, limit
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
ORDER BY n.updated_at IS NULL, n.updated_at DESC, n.uid
SKIP $skip
LIMIT $limit
OPTIONAL MATCH (u:User)-[:OWNS]->(n)
WITH n, head(collect(CASE WHEN u IS NULL THEN null ELSE [u.uid, u.display_name] END)) AS owner
OPTIONAL MATCH (f:FollowUp)-[:ABOUT]->(n)
WITH n, owner, max(f.at) AS last_follow_up
OPTIONAL MATCH (n)-[:PLACED]->(o:Order)
WITH n, owner, last_follow_up, o.currency AS currency, sum(o.amount) AS amount, count(o) AS orders
WITH n, owner, last_follow_up,
  collect(CASE WHEN orders = 0 THEN null ELSE [currency, amount] END) AS amounts
RETURN n.uid AS uid, n.name AS name, n.version AS version, n.stage AS stage, owner,
  last_follow_up, amounts
ORDER BY n.updated_at IS NULL, n.updated_at DESC, n.uid
