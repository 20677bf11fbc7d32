// Returns one row per single-property node index: kind ('INDEX'), label, property, and ready
// (false while the engine still builds it, e.g. after loading a large graph).
// FalkorDB lists constraints separately: see schema_constraint_list.
// params: none
CALL db.indexes() YIELD label, properties, entitytype, status
WITH label, properties, entitytype, status
WHERE entitytype = 'NODE'
UNWIND properties AS property
RETURN 'INDEX' AS kind, label, property, status = 'OPERATIONAL' AS ready
