"""One spider per site: each discovers article URLs (columns, pagination, stop-at-known) and hands pages on."""
