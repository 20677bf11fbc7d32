// Returns one row per single-property node index: kind ('INDEX'), label, property.
// FalkorDB lists constraints separately: see schema_constraint_list.
// params: none
CALL db.indexes() YIELD label, properties, entitytype
WITH label, properties, entitytype
WHERE entitytype = 'NODE'
UNWIND properties AS property
RETURN 'INDEX' AS kind, label, property
