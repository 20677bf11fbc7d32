// Allocates consecutive serials of several counters at once, for a batch of new records
// (an import's records and their contacts): $blocks holds [serial_key, count] pairs, each
// counter a type's uid prefix + YYYYMMDD; returns serial_key and first (the first serial
// taken of that counter). One write for the batch: each write waits for its AOF fsync.
// params: blocks
UNWIND $blocks AS block
MERGE (s:Serial {uid: block[0]})
ON CREATE SET s.next = 0
SET s.next = s.next + block[1]
RETURN block[0] AS serial_key, s.next - block[1] + 1 AS first
