"""The read-only analyst dashboard: FastAPI with server-rendered Jinja2 pages."""
