// Template: the __Label__ records sharing a phone or e-mail blind index ($phones, $emails)
// or a folded name ($names) with import rows; returns key ('phone', 'email' or 'name'),
// value, uid, version and region.
// params: phones, emails, names
UNWIND $phones AS value
MATCH (n:__Label__ {phone_bidx: value})
RETURN 'phone' AS key, value, n.uid AS uid, n.version AS version, n.region AS region
UNION ALL
UNWIND $emails AS value
MATCH (n:__Label__ {email_bidx: value})
RETURN 'email' AS key, value, n.uid AS uid, n.version AS version, n.region AS region
UNION ALL
UNWIND $names AS value
MATCH (n:__Label__ {search_name: value})
RETURN 'name' AS key, value, n.uid AS uid, n.version AS version, n.region AS region
