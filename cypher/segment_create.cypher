// Creates a Segment (rules as a JSON string) and returns it as s.
// params: uid, name, description, rules, actor, now
CREATE (s:Segment {uid: $uid, name: $name, description: $description, rules: $rules,
  created_by: $actor, created_at: $now, updated_at: $now, version: 1})
RETURN s
