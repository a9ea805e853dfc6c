"""Command line for accounts: user add / list / disable / passwd (run on the server by an admin)."""

from __future__ import annotations

import argparse
import getpass
import sys

from indicators.access import ROLES
from indicators.accounts import Accounts, open_accounts
from indicators.catalogue import load_catalogue
from indicators.errors import IndicatorsError, Problem


def _read_password(args: argparse.Namespace, name: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        # Only the line ending is removed; spaces are part of what the user typed (and refused by policy).
        return line.rstrip("\r\n")
    first = getpass.getpass(f"Password for {name}: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise IndicatorsError([Problem("the two passwords differ; nothing was stored", path="password")])
    return first


def _accounts(args: argparse.Namespace) -> Accounts:
    return open_accounts(args.db)


def _add(args: argparse.Namespace) -> int:
    if args.no_password and args.password_stdin:
        raise IndicatorsError(
            [Problem("--no-password and --password-stdin exclude each other", path="password")]
        )
    password = None if args.no_password else _read_password(args, args.name)
    user = _accounts(args).add_user(
        args.name,
        args.role,
        themes=args.theme or (),
        departments=args.department or (),
        password=password,
        email=args.email,
        display_name=args.display_name,
        catalogue=load_catalogue(),
    )
    themes = f" themes {', '.join(user.themes)}" if user.themes else ""
    depts = f" departments {', '.join(user.departments)}" if user.departments else ""
    print(f"added {user.name}: {user.role}{themes}{depts}")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = _accounts(args).list_users()
    if not rows:
        print("no users yet: add the first admin with `python -m indicators user add NAME --role admin`")
        return 0
    print(f"{'name':20} {'role':7} {'status':9} {'themes/departments':30} {'e-mail':28} last sign-in")
    for r in rows:
        status = "disabled" if r.disabled else ("locked" if r.locked_until else "active")
        last = r.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if r.last_sign_in_at else "—"
        scope = " ".join(r.themes + r.departments) or "—"
        print(f"{r.name:20} {r.role:7} {status:9} {scope:30} {r.email or '—':28} {last}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    _accounts(args).disable_user(args.name)
    print(f"disabled {args.name}; their sessions are ended")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    _accounts(args).set_password(args.name, _read_password(args, args.name))
    print(f"password of {args.name} changed; the account is unlocked and its sessions are ended")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `user` command and its sub-commands."""
    user = subparsers.add_parser("user", help="manage accounts: add, list, disable, passwd")
    sub = user.add_subparsers(dest="user_command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db", help="database URL (default: env XINAN_DB_URL, else the project's SQLite file)"
        )
        return p

    p = with_db(sub.add_parser("add", help="create an account (asks for the password twice)"))
    p.add_argument("name", help="ASCII user name, written into every revision this user stores")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--theme", action="append", metavar="ID", help="a theme the editor may write (repeat)")
    p.add_argument(
        "--department",
        action="append",
        metavar="ID",
        help="a department (departments.yaml) whose indicators the editor may write (repeat)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.add_argument("--no-password", action="store_true", help="sign-in only through OpenID Connect")
    p.add_argument("--email", help="e-mail used to match an OpenID Connect identity")
    p.add_argument("--display-name", help="name shown in the sidebar, e.g. 张伟")
    p.set_defaults(handler=_add)

    p = with_db(sub.add_parser("list", help="list accounts with role, themes and status"))
    p.set_defaults(handler=_list)

    p = with_db(sub.add_parser("disable", help="disable an account and end its sessions"))
    p.add_argument("name")
    p.set_defaults(handler=_disable)

    p = with_db(sub.add_parser("passwd", help="set a new password (unlocks; ends sessions)"))
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.set_defaults(handler=_passwd)
