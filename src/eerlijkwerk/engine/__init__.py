"""The audit engine: records in, rules of every statute package evaluated, findings and fines out."""
