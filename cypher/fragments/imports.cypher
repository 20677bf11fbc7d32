// Fragments of an import's create statement (graph/io/imports/writer.py): each sets one
// declared property of the record being created from column __i__ of its row. Rows are
// lists (the engine reads a list faster than a map with its keys repeated in every row);
// a column a row leaves empty (null) sets nothing.

// fragment: record_column
// params:
n.__prop__ = row[__i__]

// fragment: contact_column
// params:
p.__prop__ = k[__i__]
