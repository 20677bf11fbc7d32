"""Row-level scope (fails closed), field encryption, blind indexes, masking, key rotation."""
