"""In-process requests through httpx's ASGI transport (as Datasette's tests do), synchronously.

Starlette's TestClient warns on the installed httpx (warnings are errors here), so tests use
this small wrapper: one event loop per client, cookies kept between requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class ASGIClient:
    def __init__(self, app: Any, base_url: str = "http://testserver") -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                        base_url=base_url)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        kw.setdefault("follow_redirects", True)
        return self.loop.run_until_complete(self.client.request(method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    @property
    def cookies(self) -> httpx.Cookies:
        return self.client.cookies

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()

    def __enter__(self) -> ASGIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
