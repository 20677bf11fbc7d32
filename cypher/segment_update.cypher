// Changes a Segment if it is still at the given version; returns s (no row if stale or missing).
// params: uid, version, name, description, rules, now
MATCH (s:Segment {uid: $uid})
WHERE s.version = $version
SET s.name = $name, s.description = $description, s.rules = $rules, s.updated_at = $now,
  s.version = s.version + 1
RETURN s
