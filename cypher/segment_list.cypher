// Returns every Segment as s, by name.
// params: none
MATCH (s:Segment)
RETURN s
ORDER BY s.name, s.uid
