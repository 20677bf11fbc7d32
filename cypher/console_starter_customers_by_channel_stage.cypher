// returns the number of customers per acquisition channel and stage
// params: none
MATCH (c:Customer)
OPTIONAL MATCH (c)-[:ACQUIRED_VIA]->(ch:Channel)
RETURN coalesce(ch.name, '(none)') AS channel, c.stage AS stage, count(c) AS customers
ORDER BY channel, stage
