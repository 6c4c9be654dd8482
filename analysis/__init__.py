"""Analysis for analysts: full-text search, the domain vocabulary, term trends, first use, exports."""
