// Returns one row per unique node constraint on one property: kind ('UNIQUE'), label, property.
// params: none
SHOW CONSTRAINTS YIELD entityType, type, labelsOrTypes, properties
WHERE entityType = 'NODE' AND type CONTAINS 'UNIQUENESS' AND size(properties) = 1
RETURN 'UNIQUE' AS kind, labelsOrTypes[0] AS label, properties[0] AS property
