// Creates a range index on a declared node type's property unless an equivalent one exists;
// returns nothing. Rendered per declaration by graph/records/schema.py.
// params: none
CREATE INDEX IF NOT EXISTS FOR (n:__Label__) ON (n.__prop__)
