"""Files in and out: the one CSV writer (later XLSX, import, backup)."""
