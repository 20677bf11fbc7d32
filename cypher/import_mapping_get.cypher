// Returns the body (JSON) of the saved column mapping $uid (type:name), if any.
// params: uid
MATCH (m:ImportMapping {uid: $uid})
RETURN m.body AS body
