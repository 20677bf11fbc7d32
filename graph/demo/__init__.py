"""Demo and benchmark data: the generator, its word lists and the seed."""
