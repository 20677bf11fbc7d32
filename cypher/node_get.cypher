// Template: returns n, the __Label__ with this uid (no row when it does not exist).
// params: uid
MATCH (n:__Label__ {uid: $uid})
WHERE true
RETURN n
