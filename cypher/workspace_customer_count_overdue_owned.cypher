// Template (graph/records/workspace.py): returns overdue, how many customers owned by the
// User named $username (of those the filters, the reader's scope, let through) have an open
// follow-up (their latest) whose next due time is before $today: the menu badge.
// params: username, today
MATCH (:User {username: $username})-[:OWNS]->(n:Customer)
WITH DISTINCT n
WHERE true
MATCH (f:FollowUp)-[:ABOUT]->(n)
WITH n, max(f.at + '|' + coalesce(f.next_due, '')) AS latest
WITH split(latest, '|')[1] AS next_due
WHERE next_due <> '' AND next_due < $today
RETURN count(*) AS overdue
