// Template: the __Label__ nodes whose uids are in $uids, as n (an import's update reads the
// values it replaces).
// params: uids
MATCH (n:__Label__)
WHERE n.uid IN $uids
RETURN n
