// Template part, spliced into import_create_batch after its WITH count(*) AS done line
// (with $links renamed per relation): for each pair [record uid, target uid] of $links,
// links the __Label__ record by __REL__ (n)-->(m) to the __Target__ m (each found by its
// uid index; a pair naming no node links nothing).
// params: now, actor, links
UNWIND [] AS nothing
WITH count(*) AS done
UNWIND $links AS link
MATCH (n:__Label__ {uid: link[0]})
MATCH (m:__Target__ {uid: link[1]})
CREATE (n)-[:__REL__ {at: $now, by: $actor}]->(m)
WITH count(*) AS done
RETURN done
