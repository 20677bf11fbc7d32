// Template: the __Label__ records whose uid is in $uids or whose __prop__ (the title) is in
// $titles, for looking up related records named in an import; returns uid and title.
// params: uids, titles
UNWIND $uids AS value
MATCH (n:__Label__ {uid: value})
RETURN n.uid AS uid, n.__prop__ AS title
UNION ALL
UNWIND $titles AS value
MATCH (n:__Label__ {__prop__: value})
RETURN n.uid AS uid, n.__prop__ AS title
