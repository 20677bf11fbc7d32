// Returns the names of the column mappings saved for the import type $type, sorted.
// params: type
MATCH (m:ImportMapping)
WHERE m.type = $type
RETURN m.name AS name
ORDER BY name
