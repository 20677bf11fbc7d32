// Returns uid of each user in the team of the user named $username: themself and whoever
// reports to them, directly or through others (the team a team-limited reader's rows
// belong to). __Label__ is the user type and __REL__ its team relation (its "manager").
// params: username
MATCH (:__Label__ {username: $username})<-[:__REL__*0..]-(member:__Label__)
RETURN DISTINCT member.uid AS uid
