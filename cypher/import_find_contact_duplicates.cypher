// The contacts sharing a phone or e-mail blind index ($phones, $emails) with import rows,
// or a folded name ($names) at some customer; returns key ('phone', 'email' or 'name'),
// value, uid, version and region (for a name: the uid of the contact's customer, which the
// row's must be for a duplicate).
// params: phones, emails, names
UNWIND $phones AS value
MATCH (n:Contact {phone_bidx: value})
RETURN 'phone' AS key, value, n.uid AS uid, n.version AS version, '' AS region
UNION ALL
UNWIND $emails AS value
MATCH (n:Contact {email_bidx: value})
RETURN 'email' AS key, value, n.uid AS uid, n.version AS version, '' AS region
UNION ALL
UNWIND $names AS value
MATCH (n:Contact {search_name: value})-[:WORKS_FOR]->(c:Customer)
RETURN 'name' AS key, value, n.uid AS uid, n.version AS version, c.uid AS region
