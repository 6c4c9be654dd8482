"""The words every layer shares, importing nothing of newsmon: so the database layer and the CLI load fast."""
