"""Files in and out: the one CSV writer, and imports (``graph.io.imports``); later XLSX
export, backup and restore."""
