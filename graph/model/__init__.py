"""Node declarations, field kinds, records and validation."""
