// Makes the User node $uid, which mirrors no account yet, the mirror of account $user_id;
// returns n (no row when the node is gone or already mirrors an account).
// params: uid, user_id
MATCH (n:User {uid: $uid})
WHERE n.user_id IS NULL AND n.deleted_user_id IS NULL
SET n.user_id = $user_id
RETURN n
