// Returns one row per single-property node index or unique constraint: kind, label, property,
// and ready (false while the index is still being populated).
// kind is 'UNIQUE' for constraints and 'INDEX' for indexes not owned by a constraint.
// params: none
SHOW INDEXES YIELD entityType, type, labelsOrTypes, properties, owningConstraint, state
WHERE entityType = 'NODE' AND type = 'RANGE' AND size(properties) = 1
RETURN
  CASE WHEN owningConstraint IS NULL THEN 'INDEX' ELSE 'UNIQUE' END AS kind,
  labelsOrTypes[0] AS label,
  properties[0] AS property,
  state = 'ONLINE' AS ready
