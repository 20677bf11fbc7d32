// Template: creates a __Label__ whose uid is $serial_key (prefix + YYYYMMDD) followed by the
// next daily serial, at least 3 digits (C20240520001), counted atomically on a Serial node;
// then its relation parts and history entry, in one statement; returns n.
// params: serial_key, props, now, change
MERGE (s:Serial {uid: $serial_key})
ON CREATE SET s.next = 0
SET s.next = s.next + 1
WITH s.next AS serial
CREATE (n:__Label__)
SET
  n = $props,
  n.uid = $serial_key + CASE
    WHEN serial < 1000 THEN right('00' + toString(serial), 3)
    ELSE toString(serial)
  END,
  n.created_at = $now,
  n.updated_at = $now,
  n.version = 1
WITH n
CREATE (c:Change)
SET c = $change, c.entity_uid = n.uid, c.version = n.version
CREATE (c)-[:CHANGED]->(n)
RETURN n
