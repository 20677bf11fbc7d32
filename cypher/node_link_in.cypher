// Template part, spliced into node_create/node_update after WITH n: removes the __REL__
// links from the __Target__ nodes in $removed to n and adds links from those in $added.
// params: added, removed, now, actor
MATCH (n:__Label__)
WITH n
OPTIONAL MATCH (n)<-[old:__REL__]-(x:__Target__)
WHERE x.uid IN $removed
DELETE old
WITH DISTINCT n
OPTIONAL MATCH (m:__Target__)
WHERE m.uid IN $added
WITH n, collect(m) AS targets
FOREACH (m IN targets | CREATE (n)<-[:__REL__ {at: $now, by: $actor}]-(m))
WITH n
RETURN n
