// Template part, spliced into node_delete after WITH n: the __Target__ records linked by
// __REL__ from n must be exactly $uids (none left behind, none added meanwhile, else no row);
// they are deleted, each with its history entry from $changes.
// params: uids, changes
MATCH (n:__Label__)
WITH n
OPTIONAL MATCH (n)-[:__REL__]->(d:__Target__)
WITH n, collect(d) AS doomed
WHERE size(doomed) = size($uids) AND all(x IN doomed WHERE x.uid IN $uids)
FOREACH (x IN doomed | DETACH DELETE x)
FOREACH (change IN $changes | CREATE (c:Change) SET c = change)
WITH n
RETURN n
