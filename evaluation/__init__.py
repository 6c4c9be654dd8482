"""Scoring extraction and attribution against gold (the `newsmon eval` command and the floors CI holds)."""
