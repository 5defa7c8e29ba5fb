"""The web app: story pages, the REST API under /api and Atom feeds under /feeds, over one store.

    from storyline.settings import Settings
    from storyline.web.app import create_app
    app = create_app(Settings(db="news.db", token="s3cret"))   # an ASGI app: uvicorn, or httpx/TestClient in tests

`storyline serve` runs it with uvicorn. Pages and feeds only read the store; the writes are POST /api/ingest,
which runs the normal ingest pipeline and needs the token, and the watchlists (POST and DELETE under
/api/watchlists, the follow and remove forms of /watchlists), which refuse requests a browser says come from
another site (web/watchlists.py). Every write goes through the one writer connection.

Everything comes from the `Settings` given (the CLI builds them from flags and environment): `base_url` is
the public address the feeds link to (e.g. https://news.example.org; without it, feed links follow the
address each request was made to); ingest through the API uses the settings' components. Every GET route
also answers HEAD.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.errors import CursorError
from storyline.settings import Settings
from storyline.web import api, feeds, pages
from storyline.web.access import StoreAccess

log = logging.getLogger("storyline.web")

# Scripts and styles only from our own static files: an article string that slipped through
# escaping still could not run, load anything from another host, or send a form elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
READER_THREADS = 8
INTERNAL_ERROR = "Internal error: the server could not answer this request. The details are in the server's log.\n"


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (a plain ASGI middleware: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD like GET, with the same status and headers and no body (RFC 9110 9.3.2).

    FastAPI routes declared for GET refuse HEAD (405); here a HEAD request is routed as a GET and
    the body is dropped on the way out. Content-Length stays the length a GET would get.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, send_without_body)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _allowed_methods(request: Request) -> str:
    """Every method some route of this path answers: Starlette's own 405 names those of one route only (GET and
    POST /api/watchlists are two)."""
    methods: set[str] = set()
    for route in (*api.router.routes, *feeds.router.routes, *pages.router.routes):  # paths with their prefixes
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    if _wants_json(request) or request.url.path.startswith("/feeds/"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    return pages.error_page(request, exc.status_code, str(exc.detail), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        # The standard FastAPI shape, without echoing the (possibly large) input back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
    message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors())
    return pages.error_page(request, 400, f"Bad request: {message}", {})


async def _cursor_error(request: Request, exc: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": str(exc)}, status_code=400)
    return pages.error_page(request, 400, str(exc), {})


async def _internal_error(request: Request, exc: Exception) -> Response:
    # The trace goes to the log, never to the client.
    log.error("error answering %s %s", request.method, request.url.path, exc_info=exc)
    return PlainTextResponse(INTERNAL_ERROR, status_code=500, headers=SECURITY_HEADERS)


def create_app(settings: Settings, max_upload_bytes: int = 20_000_000) -> FastAPI:
    """The ASGI app over the store at `settings.db`. `settings.token` enables POST /api/ingest (None: disabled).

    `settings.base_url` is the public address feed links start with (None: links follow the address of each
    request).

    Raises StoreError when the store cannot be opened as a storyline store, ConfigurationError when the base URL
    is not an absolute http(s) URL.
    """
    public_base = feeds.public_base_url(settings.base_url)
    access = StoreAccess(settings.db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few request threads: they share one GIL, and each keeps its own connection and caches.
        anyio.to_thread.current_default_thread_limiter().total_tokens = READER_THREADS
        yield
        access.close()

    app = FastAPI(
        title="storyline",
        summary="Multilingual news stories: stories, articles, entities, full-text search and ingest errors.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN, which the CSP (rightly) refuses
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.access = access
    app.state.settings = settings
    app.state.token = settings.token or None
    app.state.max_upload_bytes = max_upload_bytes
    app.state.base_url = public_base
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    handlers: dict[Any, Any] = {
        StarletteHTTPException: _http_error,
        RequestValidationError: _validation_error,
        CursorError: _cursor_error,
        Exception: _internal_error,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
    app.mount("/static", StaticFiles(directory=str(resources.files("storyline.web") / "static")), name="static")
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    return app


def app_from_environment() -> FastAPI:
    """The app for uvicorn's factory mode (several worker processes): the settings `serve` put in the environment."""
    return create_app(Settings.from_env())


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the app with uvicorn until interrupted."""
    import uvicorn

    if workers > 1:
        # Worker processes build their own app from the environment; check the base URL here, once.
        feeds.public_base_url(settings.base_url)
        os.environ.update(settings.to_env())
        uvicorn.run(
            "storyline.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            server_header=False,
            proxy_headers=False,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            server_header=False,
            proxy_headers=False,
        )
