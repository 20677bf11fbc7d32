// Returns the Tags whose uid is in the list, as t, ordered by name then uid.
// params: uids
MATCH (t:Tag)
WHERE t.uid IN $uids
RETURN t
ORDER BY t.name, t.uid
