// Allocates the next uid of the counter $serial_key (a type's uid prefix + YYYYMMDD): the key
// followed by the next daily serial, at least 3 digits (C20240520001), counted atomically on
// a Serial node; returns uid.
// params: serial_key
MERGE (s:Serial {uid: $serial_key})
ON CREATE SET s.next = 0
SET s.next = s.next + 1
WITH s.next AS serial
RETURN $serial_key + CASE
  WHEN serial < 1000 THEN right('00' + toString(serial), 3)
  ELSE toString(serial)
END AS uid
