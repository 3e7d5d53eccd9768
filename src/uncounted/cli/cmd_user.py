"""`uncounted user add|list|disable|enable|password|totp`: accounts of the review app."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app
from uncounted.exceptions import InputError

user_app = typer.Typer(help="Accounts of the review web app (`uncounted serve`).", no_args_is_help=True)
app.add_typer(user_app, name="user")

PasswordStdin = Annotated[bool, typer.Option("--password-stdin",
                                             help="Read the password from the first line of stdin.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("--password-stdin: nothing on stdin")
        return line.rstrip("\r\n")
    pw: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return pw


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (a-z, digits, '.', '_', '-').")],
    role: Annotated[str, typer.Option(help="viewer (read), reviewer (decide, split, merge) or admin.")] = "viewer",
    password_stdin: PasswordStdin = False,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add an account; the password is asked for (or read with --password-stdin), Argon2id-hashed."""
    from uncounted.review.auth import add_user, check_role, check_username

    check_username(name)
    check_role(role)
    pw = _password(password_stdin)
    with open_project(project) as proj:
        uname = add_user(proj.store, name, role, pw, actor=proj.actor)
    if json:
        print_json({"username": uname, "role": role})
    else:
        console.print(f"user {uname} added ({role})")


@user_app.command("list")
def user_list(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """List accounts: role, disabled, TOTP, lockout, last login."""
    from uncounted.review.auth import list_users

    with open_project(project) as proj:
        users = list_users(proj.store)
    if json:
        print_json(users)
        return
    t = Table("user", "role", "state", "totp", "last login")
    for u in users:
        state = "disabled" if u["disabled"] else ("locked" if u["locked_until"] else "active")
        t.add_row(u["username"], u["role"], state, "on" if u["totp"] else "off", str(u["last_login_at"] or ""))
    console.print(t)


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="User name.")], project: ProjectOpt = None) -> None:
    """Disable an account and end its sessions."""
    from uncounted.review.auth import set_disabled

    with open_project(project) as proj:
        set_disabled(proj.store, name, True, actor=proj.actor)
    console.print(f"user {name} disabled")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="User name.")], project: ProjectOpt = None) -> None:
    """Enable a disabled account."""
    from uncounted.review.auth import set_disabled

    with open_project(project) as proj:
        set_disabled(proj.store, name, False, actor=proj.actor)
    console.print(f"user {name} enabled")


@user_app.command("password")
def user_password(name: Annotated[str, typer.Argument(help="User name.")],
                  password_stdin: PasswordStdin = False, project: ProjectOpt = None) -> None:
    """Set a new password (ends the user's sessions, clears a lockout)."""
    from uncounted.review.auth import set_password

    pw = _password(password_stdin)
    with open_project(project) as proj:
        set_password(proj.store, name, pw, actor=proj.actor)
    console.print(f"password of {name} changed")


@user_app.command("totp")
def user_totp(name: Annotated[str, typer.Argument(help="User name.")],
              off: Annotated[bool, typer.Option("--off", help="Turn the second factor off.")] = False,
              project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Turn on the TOTP second factor and print the secret to load into an authenticator app."""
    import pyotp

    from uncounted.review.auth import new_totp_secret, set_totp

    secret = None if off else new_totp_secret()
    with open_project(project) as proj:
        set_totp(proj.store, name, secret, actor=proj.actor)
    if json:
        print_json({"username": name, "totp": secret is not None, "secret": secret})
    elif secret:
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="uncounted")
        console.print(f"TOTP on for {name}. Secret: {secret}\n{uri}")
    else:
        console.print(f"TOTP off for {name}")
