// Template: returns uid of each __Label__ whose search keys are missing or derived by a
// version older than $version (graph/records/search_keys.py backfill).
// params: version
MATCH (n:__Label__)
WHERE n.search_version IS NULL OR n.search_version < $version
RETURN n.uid AS uid
