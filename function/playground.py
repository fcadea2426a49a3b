"""The playground: one page to try ``/invoke`` in a browser, its HTML, CSS and JavaScript in
the files beside this one (no build step, nothing fetched from elsewhere).

The page links its script and style, and posts to ``invoke``, by relative URLs: the same page
works at ``/playground`` under ``make serve`` and at ``/<stage>/playground`` on a deployed API,
where API Gateway routes these paths only with the PLAYGROUND setting on (constructs_lib/
openapi.py). Each file is read once, when the app is created.

Every file is sent with a Content-Security-Policy that lets the page run only its own script
and style and talk only to its own origin (no inline script, no other host, no framing), with
``nosniff`` so a browser never reads one type as another, and without a referrer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # a new deployment's page is seen at once
}


@dataclass(frozen=True)
class Asset:
    """One file of the page and the path it is served at."""

    path: str
    file: str
    media_type: str  # Starlette adds "; charset=utf-8" to text types


ASSETS = (
    Asset("/playground", "playground.html", "text/html"),
    Asset("/playground/script", "playground.js", "text/javascript"),
    Asset("/playground/style", "playground.css", "text/css"),
)


def _endpoint(asset: Asset) -> Callable[[Request], Awaitable[Response]]:
    content = (HERE / asset.file).read_bytes()

    async def serve(request: Request) -> Response:
        return Response(content, headers=HEADERS, media_type=asset.media_type)

    return serve


def routes() -> list[Route]:
    """``GET`` (and so ``HEAD``) for each file of the page."""
    return [Route(asset.path, _endpoint(asset), methods=["GET"]) for asset in ASSETS]
