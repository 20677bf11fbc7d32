// Deletes the Segment with this uid; returns deleted, how many were deleted (0 or 1).
// params: uid
MATCH (s:Segment {uid: $uid})
DETACH DELETE s
RETURN count(*) AS deleted
