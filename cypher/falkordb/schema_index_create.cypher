// Creates a range index on a declared node type's property (reported present if it exists);
// returns nothing. Rendered per declaration by graph/records/schema.py.
// params: none
CREATE INDEX FOR (n:__Label__) ON (n.__prop__)
