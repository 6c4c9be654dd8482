"""Analysis for analysts: full-text search, vocabulary, term trends, first use, exports, reprint clusters."""
