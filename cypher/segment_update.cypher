// Changes a Segment if it is still at the given version and writes its history entry
// $change; returns s (no row if stale or missing).
// params: uid, version, name, description, rules, now, change
MATCH (s:Segment {uid: $uid})
WHERE s.version = $version
SET s.name = $name, s.description = $description, s.rules = $rules, s.updated_at = $now,
  s.version = s.version + 1
CREATE (c:Change)
SET c = $change, c.entity_uid = s.uid, c.version = s.version
RETURN s
