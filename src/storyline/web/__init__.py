"""The views over HTTP: web pages (pages.py), the REST API (api.py), Atom feeds (feeds.py), in one FastAPI app (app.py)."""
