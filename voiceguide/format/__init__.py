"""Routine files: the routine model, YAML with line numbers, the schema, loading, finding, writing new ones."""
