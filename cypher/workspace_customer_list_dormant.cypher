// Template (graph/records/workspace.py): returns uid, name, stage and last_at (the latest
// follow-up's time, null for none) of the Customer nodes the filters (the reader's scope)
// let through that have had no follow-up since $dormant_before, the stage not in
// $quiet_stages; the longest quiet first (never followed up: by creation), at most $limit.
// params: dormant_before, quiet_stages, limit
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
WHERE NOT n.stage IN $quiet_stages
OPTIONAL MATCH (f:FollowUp)-[:ABOUT]->(n)
WITH n, max(f.at) AS last_at
WHERE last_at IS NULL OR last_at < $dormant_before
RETURN n.uid AS uid, n.name AS name, n.stage AS stage, last_at
ORDER BY coalesce(last_at, n.created_at), uid
LIMIT $limit
