// Returns the Segment with this uid as s (no row if there is none).
// params: uid
MATCH (s:Segment {uid: $uid})
RETURN s
