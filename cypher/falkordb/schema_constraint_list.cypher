// Returns one row per unique node constraint on one property: kind ('UNIQUE'), label, property,
// and ready (false while the engine still builds it).
// params: none
CALL db.constraints() YIELD type, label, properties, entitytype, status
WITH type, label, properties, entitytype, status
WHERE type = 'UNIQUE' AND entitytype = 'NODE' AND size(properties) = 1
RETURN 'UNIQUE' AS kind, label, properties[0] AS property, status = 'OPERATIONAL' AS ready
