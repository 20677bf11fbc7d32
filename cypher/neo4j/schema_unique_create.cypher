// Creates a unique constraint on a declared node type's property unless an equivalent one
// exists; returns nothing. Rendered per declaration by graph/records/schema.py.
// params: none
CREATE CONSTRAINT IF NOT EXISTS FOR (n:__Label__) REQUIRE n.__prop__ IS UNIQUE
