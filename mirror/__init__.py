"""Demo mirror of the target news sites: generated people.com.cn-style pages and a local HTTP server."""
