// Template (graph/records/workspace.py): returns customer_uid, customer, stage, followup_uid,
// summary, at and next_due of the open follow-ups (each customer's latest) due before
// $tomorrow, of the Customer nodes the filters (the reader's scope) let through, the
// longest overdue first, at most $limit.
// params: tomorrow, limit
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
MATCH (f:FollowUp)-[:ABOUT]->(n)
WITH n, max(f.at + '|' + coalesce(f.next_due, '') + '|' + f.uid) AS latest
WITH n, split(latest, '|') AS parts
WHERE parts[1] <> '' AND parts[1] < $tomorrow
WITH n, parts[1] AS next_due, parts[2] AS followup_uid
ORDER BY next_due, followup_uid
LIMIT $limit
MATCH (f:FollowUp {uid: followup_uid})
RETURN n.uid AS customer_uid, n.name AS customer, n.stage AS stage, f.uid AS followup_uid,
  f.summary AS summary, f.at AS at, next_due
ORDER BY next_due, followup_uid
