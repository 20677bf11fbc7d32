// Template (graph/records/workspace.py): returns overdue, due_today and dormant among the
// Customer nodes the filters (the reader's scope) let through. A customer's open follow-up
// is its latest one (by time); it is overdue when its next due time is before $today, due
// today when it is before $tomorrow. Dormant: no follow-up since $dormant_before (or none),
// the stage not in $quiet_stages. "at|next_due" strings are compared so that one pass over
// each customer's follow-ups finds the latest (ISO times sort as text).
// params: today, tomorrow, dormant_before, quiet_stages
MATCH (n:Customer)
WHERE true
WITH DISTINCT n
OPTIONAL MATCH (f:FollowUp)-[:ABOUT]->(n)
WITH n, max(f.at + '|' + coalesce(f.next_due, '')) AS latest
WITH n, split(coalesce(latest, '|'), '|') AS parts
WITH n, parts[0] AS last_at, parts[1] AS next_due
RETURN sum(CASE WHEN next_due <> '' AND next_due < $today THEN 1 ELSE 0 END) AS overdue,
  sum(CASE WHEN next_due >= $today AND next_due < $tomorrow THEN 1 ELSE 0 END) AS due_today,
  sum(CASE WHEN NOT n.stage IN $quiet_stages AND (last_at = '' OR last_at < $dormant_before)
    THEN 1 ELSE 0 END) AS dormant
