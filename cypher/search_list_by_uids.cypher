// Template: returns n, each __Label__ among $uids (the search-key backfill reads its
// name, version and sealed phones).
// params: uids
UNWIND $uids AS wanted
MATCH (n:__Label__ {uid: wanted})
RETURN n
