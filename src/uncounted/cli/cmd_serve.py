"""`uncounted serve`: the review web app on this machine."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from uncounted.cli._common import ProjectOpt, console, project_dir
from uncounted.cli.main import app
from uncounted.exceptions import InputError


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless --allow-remote).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8765,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Listen on a non-loopback address (put it behind TLS; set "
                               "--setting cookie_secure true).")] = False,
    setting: Annotated[list[str] | None, typer.Option(
        "--setting", help="NAME=VALUE; see docs/review.md for the settings.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Run the review web app: queue of uncertain pairs, people, dashboard (stop with Ctrl-C)."""
    import uvicorn

    from uncounted.review.app import create_app
    from uncounted.review.settings import ReviewSettings

    if not is_loopback(host) and not allow_remote:
        raise InputError(f"refusing to listen on {host!r}: it is not a loopback address. The app shows "
                         "names of people; serve it to other machines only behind TLS, with "
                         "--allow-remote")
    pairs = []
    for item in setting or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--setting needs NAME=VALUE; got {item!r}")
        pairs.append((name.strip(), value.strip()))
    settings = ReviewSettings.from_pairs(pairs)
    application = create_app(project_dir(project), settings=settings)
    console.print(f"uncounted review on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(application, host=host, port=port, log_level="warning", server_header=False,
                proxy_headers=False)
