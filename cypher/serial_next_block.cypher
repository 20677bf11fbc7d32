// Allocates $count consecutive serials of the counter $serial_key (a type's uid prefix +
// YYYYMMDD) at once, for a batch of new records; returns first (the first serial taken).
// params: serial_key, count
MERGE (s:Serial {uid: $serial_key})
ON CREATE SET s.next = 0
SET s.next = s.next + $count
RETURN s.next - $count + 1 AS first
