"""`uncounted key init`, `uncounted audit verify|seal`, `uncounted sensitive set|get`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import (
    JsonOpt,
    ProjectOpt,
    console,
    open_project,
    print_json,
    project_dir,
)
from uncounted.cli.main import app
from uncounted.exceptions import AuditError, CryptoError

key_app = typer.Typer(help="Encryption key for sensitive fields.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
sens_app = typer.Typer(help="Sensitive values (source identities, witness contacts).", no_args_is_help=True)
app.add_typer(key_app, name="key")
app.add_typer(audit_app, name="audit")
app.add_typer(sens_app, name="sensitive")


def _passphrase(confirm: bool) -> str:
    env = os.environ.get("UNCOUNTED_PASSPHRASE")
    if env:
        return env
    return str(typer.prompt("passphrase", hide_input=True, confirmation_prompt=confirm))


def unlocked(proj: object) -> None:
    """Unlock from the environment, or prompt when the project is encrypted and on a terminal."""
    from uncounted.store.crypto import KeyRing, encryption_configured

    if getattr(proj, "keyring", None) is not None or not encryption_configured(proj.path):  # type: ignore[attr-defined]
        return
    if os.environ.get("CI") or not console.is_terminal:
        return
    proj.unlock(KeyRing.from_passphrase(proj.path, _passphrase(False)))  # type: ignore[attr-defined]


@key_app.command("init")
def key_init(
    keyfile: Annotated[Path | None, typer.Option(help="Use (or create) a 32-byte key file instead of a passphrase.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Set up encryption at rest for sensitive fields, then encrypt any stored in clear."""
    from uncounted.store.crypto import KeyRing

    pdir = project_dir(project)
    kr = (KeyRing.create(pdir, keyfile=keyfile) if keyfile is not None
          else KeyRing.create(pdir, passphrase=_passphrase(True)))
    with open_project(project) as proj:
        proj.unlock(kr)
        n = proj.sensitive().encrypt_existing()
        proj.store.audit("key.init", None, {"keyfile": keyfile is not None, "encrypted_existing": n})
    console.print(f"encryption set up; {n} stored value(s) encrypted. Keep the "
                  f"{'key file' if keyfile else 'passphrase'} safe: without it they cannot be read.")


@audit_app.command("verify")
def audit_verify(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Check the audit log's hash chain (and its keyed seal when unlocked); say where it breaks."""
    from uncounted.store import audit

    with open_project(project, read_only=True) as proj:
        kr = proj.keyring
        rep = audit.verify(proj.store.con, key=None if kr is None else kr.audit_key)
    if json:
        print_json({"ok": rep.ok, "n_entries": rep.n_entries, "problems": list(rep.problems),
                    "first_bad_seq": getattr(rep, "first_bad_seq", None), "notes": list(getattr(rep, "notes", ()))})
    else:
        console.print(str(rep))
    if not rep.ok:
        raise AuditError(f"audit log does not verify: {rep.problems[0]}")


@sens_app.command("set")
def sensitive_set(
    owner: Annotated[str, typer.Argument(help="KIND:ID, e.g. source:xray or incident:3.")],
    field: Annotated[str, typer.Argument(help="Field name, e.g. identity, contact, note.")],
    value: Annotated[str, typer.Option(prompt=True, hide_input=True, help="The value (prompted if omitted).")],
    project: ProjectOpt = None,
) -> None:
    """Store a sensitive value (encrypted when the project has a key)."""
    kind, _, oid = owner.partition(":")
    with open_project(project) as proj:
        unlocked(proj)
        proj.sensitive().put(kind, oid, field, value)
    console.print(f"stored {field} of {owner}")


@sens_app.command("get")
def sensitive_get(
    owner: Annotated[str, typer.Argument(help="KIND:ID.")],
    field: Annotated[str, typer.Argument(help="Field name.")],
    project: ProjectOpt = None,
) -> None:
    """Read a sensitive value (needs the key when encrypted)."""
    kind, _, oid = owner.partition(":")
    with open_project(project, read_only=True) as proj:
        unlocked(proj)
        v = proj.sensitive().get(kind, oid, field)
    if v is None:
        raise CryptoError(f"no {field} stored for {owner}")
    typer.echo(v)
