// Returns member, kind, uid, name: the tags, channels and referring customers of the
// customers $uids (kind is Tag, Channel or Customer).
// params: uids
MATCH (n:Customer)-[:TAGGED]->(t:Tag)
WHERE n.uid IN $uids
RETURN n.uid AS member, 'Tag' AS kind, t.uid AS uid, t.name AS name
UNION ALL
MATCH (n:Customer)-[:ACQUIRED_VIA]->(c:Channel)
WHERE n.uid IN $uids
RETURN n.uid AS member, 'Channel' AS kind, c.uid AS uid, c.name AS name
UNION ALL
MATCH (n:Customer)<-[:REFERRED]-(r:Customer)
WHERE n.uid IN $uids
RETURN n.uid AS member, 'Customer' AS kind, r.uid AS uid, r.name AS name
