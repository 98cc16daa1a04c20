"""Input records: the table format (schema.py) and reading + validation (reader.py)."""
