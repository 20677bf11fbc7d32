// Deletes the Segment with this uid, keeping its history entry $change; returns deleted,
// how many were deleted (0 or 1).
// params: uid, change
MATCH (s:Segment {uid: $uid})
CREATE (c:Change)
SET c = $change, c.entity_uid = s.uid
WITH s
DETACH DELETE s
RETURN count(*) AS deleted
