// Template part, spliced before node_link_out for a single-valued relation: removes every
// __REL__ link from n to a __Target__, so the new one replaces it.
// params: none
MATCH (n:__Label__)
WITH n
OPTIONAL MATCH (n)-[old:__REL__]->(:__Target__)
DELETE old
WITH DISTINCT n
WITH n
RETURN n
