// returns customers with no follow-up since $since (e.g. 90 days ago), longest silent first
// params: since
MATCH (c:Customer)
OPTIONAL MATCH (f:FollowUp)-[:ABOUT]->(c)
WITH c, max(f.at) AS last_follow_up
WHERE last_follow_up IS NULL OR last_follow_up < $since
RETURN c.uid AS uid, c.name AS name, c.stage AS stage, last_follow_up
ORDER BY last_follow_up, name
LIMIT 200
