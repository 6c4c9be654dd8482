"""Analyses over stored articles: reprint clusters (who copied whom)."""
