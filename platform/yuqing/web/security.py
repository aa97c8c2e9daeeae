"""Response headers that keep pages from being framed, sniffed or made to run foreign code.

Post content from the internet is escaped everywhere; the policy below is the second wall:
even markup that slipped through could not run a script or load anything from elsewhere.
"""

from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # A document preview sets its own, stricter policy; keep it.
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
