// Creates a Segment (rules as a JSON string) with its history entry $change; returns it as s.
// params: uid, name, description, rules, actor, now, change
CREATE (s:Segment {uid: $uid, name: $name, description: $description, rules: $rules,
  created_by: $actor, created_at: $now, updated_at: $now, version: 1})
CREATE (c:Change)
SET c = $change, c.entity_uid = s.uid, c.version = 1
RETURN s
