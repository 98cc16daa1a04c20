"""Reports: summaries (summary.py) and output files (writer.py)."""
