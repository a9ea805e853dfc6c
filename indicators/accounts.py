"""Local accounts in the database: argon2 passwords, throttled sign-in, expiring sessions."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import getpass
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine

from indicators.access import NAME_PATTERN, ROLES, User
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.store.db import ID_TYPE, metadata, write_transaction

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5
FAILURES_BEFORE_LOCK = 5
# With a client address: one address is stopped after 10 failures (any names), long before one account
# is locked for everyone (25, needing several addresses), so one attacker cannot lock a real user out.
ADDRESS_FAILURES_BEFORE_LOCK = 10
ACCOUNT_FAILURES_BEFORE_LOCK = 25
FIRST_LOCK = dt.timedelta(seconds=30)
MAX_LOCK = dt.timedelta(hours=1)
# Failures of a key (a name, known or not, or an address) are remembered this long after its last failure
# and lock; then the row is purged, so names typed once (e.g. unknown ones) do not pile up for ever.
THROTTLE_WINDOW = dt.timedelta(hours=24)
PURGE_BATCH = 500  # rows purged per attempt at most: a sign-in never waits on a large clean-up
SESSION_ABSOLUTE = dt.timedelta(hours=8)
SESSION_IDLE = dt.timedelta(minutes=30)
# A page run refreshes last_seen at most this often, so browsing does not write on every click.
TOUCH_EVERY = dt.timedelta(minutes=1)

# One MetaData for the whole database, so the migration check compares every table.

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    # Space-separated theme ids; ids match ^[a-z][a-z0-9_]*$ so no escaping is needed.
    sa.Column("themes", sa.Text, nullable=False, server_default=""),
    # Space-separated department ids (departments.yaml): an editor may also write their indicators.
    sa.Column("departments", sa.Text, nullable=False, server_default=""),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("display_name", sa.String(128), nullable=True),
    # NULL: the account signs in only through the OpenID Connect provider.
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_sign_in_at", sa.DateTime, nullable=True),
    # "issuer|sub" of the OpenID Connect identity this account is, set by an admin.
    sa.Column("oidc_subject", sa.String(512), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'editor', 'reviewer', 'admin')", name="ck_users_role"),
    sa.UniqueConstraint("email", name="uq_users_email"),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    # Only the SHA-256 of the token is stored: a copy of the database cannot be used to sign in.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_name", sa.String(64), sa.ForeignKey("users.name", name="fk_sessions_user"), nullable=False
    ),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Index("ix_user_sessions_user_name", "user_name"),
)

# Append-only (database triggers refuse UPDATE and DELETE): who was created, disabled, given a new
# password or role, and when.
account_events = sa.Table(
    "account_events",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("actor", sa.String(100), nullable=True),
    sa.Index("ix_account_events_user_name", "user_name"),
)

# Failed sign-ins per key: "name:<user name as typed, lower case>" (known or not, so an unknown name is
# throttled exactly like a real one) and "addr:<client address>". An attempt is counted BEFORE its
# password is checked, under a row lock, so parallel guesses cannot all be checked.
sign_in_throttle = sa.Table(
    "sign_in_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    # When the key last failed: a row quiet for THROTTLE_WINDOW and not locked is forgotten (purged).
    sa.Column("last_failed_at", sa.DateTime, nullable=True),
    sa.Index("ix_sign_in_throttle_last_failed_at", "last_failed_at"),
)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Return the current time in UTC without tzinfo (how the tables store it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _event(conn: Connection, at: dt.datetime, user_name: str, event: str, detail: str | None = None) -> None:
    # In the same transaction as the change itself: an account change is never without its record.
    actor = getpass.getuser() if _actor.name is None else _actor.name
    conn.execute(
        account_events.insert().values(at=at, user_name=user_name, event=event, detail=detail, actor=actor)
    )


class _Actor:
    """Who is making account changes in this process (the CLI's login name unless a page sets it)."""

    name: str | None = None


_actor = _Actor()


def default_hasher() -> PasswordHasher:
    """The argon2id hasher accounts use unless given one: argon2-cffi's default (RFC 9106 low-memory) cost."""
    return PasswordHasher()


def open_accounts(url: str | None = None) -> Accounts:
    """Return the accounts of the database at url (else $XINAN_DB_URL, else the SQLite file), migrated."""
    from indicators.store.db import make_engine, migrate, resolve_url

    engine = make_engine(resolve_url(url))
    migrate(engine)
    return Accounts(engine)


def _problem(
    message: str, hint: str = "", path: str = "user", code: str = "", **params: object
) -> IndicatorsError:
    return IndicatorsError([Problem(message, path=path, hint=hint, code=code, params=params)])


@dataclass(frozen=True)
class AccountRow:
    """One account as `user list` shows it."""

    name: str
    role: str
    themes: tuple[str, ...]
    email: str | None
    disabled: bool
    departments: tuple[str, ...]
    has_password: bool
    failed_count: int
    locked_until: dt.datetime | None
    last_sign_in_at: dt.datetime | None


@dataclass(frozen=True)
class Session:
    """A signed-in session: the secret token (kept by the browser session only) and who it is."""

    token: str
    user: User
    expires_at: dt.datetime


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "definitions" / "common_passwords.txt"


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password: str, name: str = "") -> bool:
    """Return True for a listed common password, or one that is a listed word/the name plus digits/symbols."""
    lowered = password.strip().lower()
    common = _common_passwords()
    if lowered in common:
        return True
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)  # password2024!, 2024binzhou
    if not core:
        return True  # only digits and symbols: 1234567890, 2024-01-01
    if core in common:
        return True
    # The user name with only digits or symbols around or between it: zhang2024, zhang2024zhang.
    return bool(name) and not re.sub(r"[\d\W_]", "", lowered.replace(name.lower(), ""))


def check_password_policy(name: str, password: str) -> None:
    """Raise IndicatorsError if the password is too weak to store."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                f"password is too short ({len(password)} characters)",
                path="password",
                hint=f"use at least {MIN_PASSWORD_LENGTH} characters",
            )
        )
    if password.strip().lower() == name.lower():
        problems.append(Problem("password must not be the user name", path="password"))
    elif is_common_password(password, name):
        problems.append(
            Problem(
                "password is too easy to guess (a common password, a keyboard pattern or the user name)",
                path="password",
                hint="use a few unrelated words, or let a password manager make one",
                code="password.common",
            )
        )
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        problems.append(
            Problem(
                f"password uses fewer than {MIN_DISTINCT_CHARACTERS} different characters",
                path="password",
                code="password.common",
            )
        )
    if password != password.strip():
        problems.append(
            Problem("password starts or ends with a space", path="password", hint="remove the spaces")
        )
    if problems:
        raise IndicatorsError(problems)


def _new_account_problems(
    name: str,
    role: str,
    themes: tuple[str, ...],
    departments: tuple[str, ...],
    email: str | None,
    password: str | None,
    catalogue: Catalogue | None,
) -> list[Problem]:
    """Return every reason a new account cannot be created as given (name, role, assignments, e-mail, password)."""
    problems: list[Problem] = []
    if not re.fullmatch(NAME_PATTERN, name):
        problems.append(
            Problem(
                f"user name {name!r} is not allowed",
                path="name",
                hint="2-64 ASCII letters, digits, '_', '.' or '-', starting with a letter",
            )
        )
    if role not in ROLES:
        problems.append(
            Problem(f"unknown role {role!r}", path="role", hint="viewer, editor, reviewer or admin")
        )
    if catalogue is not None:
        problems += _assignment_problems(catalogue, themes, departments)
    if role in ("viewer", "reviewer") and (themes or departments):
        problems.append(
            Problem(
                f"a {role} cannot be assigned themes or departments",
                path="theme",
                hint="use --role editor",
            )
        )
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        problems.append(Problem(f"not an e-mail address: {email!r}", path="email"))
    if password is not None:
        try:
            check_password_policy(name, password)
        except IndicatorsError as exc:
            problems.extend(exc.problems)
    return problems


def _assignment_problems(
    catalogue: Catalogue, themes: tuple[str, ...], departments: tuple[str, ...]
) -> list[Problem]:
    """Return what is wrong with the themes and departments given to an account (unknown ids)."""
    problems: list[Problem] = []
    known = [t.id for t in catalogue.themes]
    for theme in themes:
        if theme not in known:
            problems.append(
                Problem(f"unknown theme {theme!r}", path="theme", hint=f"one of: {', '.join(known)}")
            )
    known_depts = list(catalogue.department_by_id)
    for dept in departments:
        if dept not in known_depts:
            close = difflib.get_close_matches(dept, known_depts, n=1, cutoff=0.6)
            problems.append(
                Problem(
                    f"unknown department {dept!r}",
                    path="department",
                    hint=f"did you mean '{close[0]}'?" if close else "use an id from departments.yaml",
                )
            )
    return problems


class Accounts:
    """Users, sign-in and sessions, stored in the same database as the observations."""

    def __init__(
        self,
        engine: Engine,
        *,
        hasher: PasswordHasher | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or default_hasher()
        self.clock = clock
        # Verified against when the name is unknown, so both cases take the same time.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # --- administration -------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: str,
        *,
        themes: Iterable[str] = (),
        departments: Iterable[str] = (),
        password: str | None,
        email: str | None = None,
        display_name: str | None = None,
        catalogue: Catalogue | None = None,
        oidc_subject: str | None = None,
    ) -> User:
        """Create an account; password None means it signs in only through OpenID Connect."""
        themes = tuple(dict.fromkeys(themes))
        departments = tuple(dict.fromkeys(departments))
        problems = _new_account_problems(name, role, themes, departments, email, password, catalogue)
        if problems:
            raise IndicatorsError(problems)
        with write_transaction(self.engine) as conn:
            clash = conn.execute(
                sa.select(users.c.name).where(
                    sa.or_(
                        sa.func.lower(users.c.name) == name.lower(),
                        sa.and_(users.c.email.is_not(None), users.c.email == email),
                    )
                )
            ).first()
            if clash is not None:
                raise _problem(f"user {clash.name!r} already exists with this name or e-mail", path="name")
            conn.execute(
                users.insert().values(
                    name=name,
                    role=role,
                    themes=" ".join(themes),
                    departments=" ".join(departments),
                    email=email,
                    display_name=display_name,
                    oidc_subject=oidc_subject,
                    password_hash=self.hasher.hash(password) if password is not None else None,
                    disabled=False,
                    failed_count=0,
                    created_at=self.clock(),
                )
            )
            _event(conn, self.clock(), name, "created", f"role={role} themes={' '.join(themes)}")
        return User(
            name=name,
            role=role,
            themes=themes,
            departments=departments,
            email=email,
            display_name=display_name,
        )

    def list_users(self) -> list[AccountRow]:
        """Return every account, by name, with its current run of failed sign-ins."""
        t = sign_in_throttle.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
            throttle = {
                key[5:]: (failures, until)
                for key, failures, until in conn.execute(
                    sa.select(t.key, t.failures, t.locked_until).where(t.key.like("name:%"))
                )
            }
        return [
            AccountRow(
                name=r.name,
                role=r.role,
                themes=tuple(r.themes.split()),
                email=r.email,
                disabled=bool(r.disabled),
                departments=tuple(r.departments.split()),
                has_password=r.password_hash is not None,
                failed_count=throttle.get(r.name.lower(), (0, None))[0],
                locked_until=throttle.get(r.name.lower(), (0, None))[1],
                last_sign_in_at=r.last_sign_in_at,
            )
            for r in rows
        ]

    def disable_user(self, name: str) -> None:
        """Disable an account and end its sessions; its past revisions keep its name."""
        now = self.clock()
        with write_transaction(self.engine) as conn:
            done = conn.execute(users.update().where(users.c.name == name).values(disabled=True)).rowcount
            if not done:
                raise _problem(f"no user named {name!r}", hint="see `python -m indicators user list`")
            _event(conn, now, name, "disabled")
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.user_name == name, user_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    def set_password(self, name: str, password: str) -> None:
        """Replace an account's password, clear its lock and end its sessions."""
        check_password_policy(name, password)
        now = self.clock()
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                users.update()
                .where(users.c.name == name)
                .values(password_hash=self.hasher.hash(password), failed_count=0, locked_until=None)
            ).rowcount
            if not done:
                raise _problem(f"no user named {name!r}")
            conn.execute(
                sign_in_throttle.update()
                .where(sign_in_throttle.c.key == "name:" + name.lower())
                .values(failures=0, locked_until=None)
            )
            _event(conn, now, name, "password_reset")
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.user_name == name, user_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    def set_role(self, name: str, role: str, themes: Iterable[str] = ()) -> None:
        """Change an account's role and themes; recorded in account_events."""
        themes = tuple(dict.fromkeys(themes))
        if role not in ROLES:
            raise _problem(f"unknown role {role!r}", path="role", hint="viewer, editor or admin")
        if role == "viewer" and themes:
            raise _problem("a viewer cannot be assigned themes", path="theme", hint="use --role editor")
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                users.update().where(users.c.name == name).values(role=role, themes=" ".join(themes))
            ).rowcount
            if not done:
                raise _problem(f"no user named {name!r}")
            _event(conn, self.clock(), name, "role_changed", f"role={role} themes={' '.join(themes)}")

    def active_user(self, name: str, flag: str = "--by") -> User:
        """Return the enabled account a command acts as (`flag` names the option that gave the name)."""
        wanted = (name or "").strip()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).where(sa.func.lower(users.c.name) == wanted.lower())).all()
        # The exact spelling first; another spelling of one account is that account.
        row = next((r for r in rows if r.name == wanted), rows[0] if len(rows) == 1 else None)
        if row is None:
            raise _problem(
                f"no account named {wanted!r}: {flag} must name the account that acts",
                hint="see `python -m indicators user list`; an admin adds one with `user add NAME --role …`",
                path=flag,
                code="account.unknown",
                name=wanted,
                flag=flag,
            )
        if row.disabled:
            raise _problem(
                f"the account {row.name!r} is disabled and cannot act",
                hint="an admin re-enables it or uses another account",
                path=flag,
                code="account.disabled",
                name=row.name,
            )
        return _user_of(row)

    def events(self, name: str | None = None) -> list[tuple[dt.datetime, str, str, str | None]]:
        """Return account events (at, user, event, detail), oldest first."""
        query = sa.select(
            account_events.c.at, account_events.c.user_name, account_events.c.event, account_events.c.detail
        ).order_by(account_events.c.id)
        if name is not None:
            query = query.where(account_events.c.user_name == name)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]

    # --- sign-in ------------------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, client: str | None = None) -> Session:
        """Check name and password; return a new session or raise IndicatorsError.

        Unknown names, wrong passwords, password-less and disabled accounts all get the same answer after
        the same argon2 work. `client` is the address the request came from (the page passes it); with it,
        failures are throttled per address as well as per account.
        """
        now = self.clock()
        wrong = _problem(
            "wrong user name or password",
            hint=f"after {FAILURES_BEFORE_LOCK} failures the account is locked for a while",
            path="sign-in",
            code="signin.wrong",
            failures=FAILURES_BEFORE_LOCK,
        )
        keys = self._throttle_keys(name, client)
        locked, before = self._reserve(keys, now)
        if locked is not None:
            wait = int((locked - now).total_seconds()) + 1
            raise _problem(
                f"too many failed sign-ins: try again in {wait} s",
                hint="an admin can reset the password with `python -m indicators user passwd`",
                path="sign-in",
                code="signin.locked",
                seconds=wait,
            )
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        usable = row is not None and row.password_hash is not None
        ok = self._verify(row.password_hash if usable else self._dummy_hash, password)  # type: ignore[union-attr]
        if not (usable and ok) or row.disabled:  # type: ignore[union-attr]
            raise wrong  # the attempt stays counted
        assert row is not None
        if self.hasher.check_needs_rehash(row.password_hash):
            new_hash = self.hasher.hash(password)
        else:
            new_hash = row.password_hash
        token = secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            self._release(conn, keys, before)
            conn.execute(
                users.update()
                .where(users.c.name == name)
                .values(failed_count=0, locked_until=None, last_sign_in_at=now, password_hash=new_hash)
            )
            conn.execute(
                user_sessions.insert().values(
                    token_hash=_token_hash(token), user_name=name, created_at=now, last_seen_at=now
                )
            )
        return Session(token=token, user=_user_of(row), expires_at=now + SESSION_ABSOLUTE)

    @staticmethod
    def _throttle_keys(name: str, client: str | None) -> dict[str, int]:
        account = "name:" + name.strip().lower()[:150]
        if not client:
            return {account: FAILURES_BEFORE_LOCK}
        return {account: ACCOUNT_FAILURES_BEFORE_LOCK, "addr:" + client[:150]: ADDRESS_FAILURES_BEFORE_LOCK}

    def _reserve(
        self, keys: dict[str, int], now: dt.datetime
    ) -> tuple[dt.datetime | None, dict[str, tuple[int, dt.datetime | None]]]:
        # Count the attempt first, under a row lock (SQLite: the write lock taken at BEGIN), so that of 16
        # parallel guesses only those below the limit are ever checked.
        t = sign_in_throttle.c
        before: dict[str, tuple[int, dt.datetime | None]] = {}
        with write_transaction(self.engine) as conn:
            rows = {}
            for key in sorted(keys):  # one order for every process: no deadlock between two sign-ins
                found = conn.execute(
                    sa.select(sign_in_throttle).where(t.key == key).with_for_update()
                ).first()
                if found is None:
                    conn.execute(_insert_ignore(conn, key))
                    found = conn.execute(
                        sa.select(sign_in_throttle).where(t.key == key).with_for_update()
                    ).first()
                rows[key] = found
            locks = [
                r.locked_until for r in rows.values() if r.locked_until is not None and r.locked_until > now
            ]
            if locks:
                return max(locks), before
            for key, limit in keys.items():
                r = rows[key]
                before[key] = (r.failures, r.locked_until)
                count = r.failures + 1
                until = now + lock_duration(count, limit) if count >= limit else None
                conn.execute(
                    sign_in_throttle.update()
                    .where(t.key == key)
                    .values(failures=count, locked_until=until, last_failed_at=now)
                )
        self.purge_throttle(now)
        return None, before

    def purge_throttle(self, now: dt.datetime | None = None, limit: int = PURGE_BATCH) -> int:
        """Delete up to `limit` throttle rows quiet for THROTTLE_WINDOW and not locked; return how many."""
        now = now or self.clock()
        t = sign_in_throttle.c
        cutoff = now - THROTTLE_WINDOW
        # Known and unknown names alike (treating them differently would tell which names exist). A row
        # locked now, or whose lock ended less than a window ago, is kept: its doubling lock still counts.
        quiet = sa.or_(t.last_failed_at.is_(None), t.last_failed_at < cutoff)
        unlocked = sa.or_(t.locked_until.is_(None), t.locked_until < cutoff)
        # Its own short transaction after the attempt's; SKIP LOCKED (PostgreSQL) so it never waits for,
        # or blocks, a sign-in holding one of these rows.
        stale = (
            sa.select(t.key)
            .where(quiet, unlocked)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with write_transaction(self.engine) as conn:
            return conn.execute(sign_in_throttle.delete().where(t.key.in_(stale))).rowcount or 0

    @staticmethod
    def _release(
        conn: Connection, keys: dict[str, int], before: dict[str, tuple[int, dt.datetime | None]]
    ) -> None:
        # The right password: the account starts afresh; the address gets back only this attempt, so one
        # good sign-in cannot wipe out the failures of others behind the same address.
        t = sign_in_throttle.c
        for key in keys:
            if key.startswith("name:"):
                values = {"failures": 0, "locked_until": None}
            else:
                failures, until = before[key]
                values = {"failures": failures, "locked_until": until}
            conn.execute(sign_in_throttle.update().where(t.key == key).values(**values))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def session_user(self, token: str | None) -> User | None:
        """Return the user of a live session, or None if it is unknown, ended, idle or too old."""
        if not token:
            return None
        now = self.clock()
        key = _token_hash(token)
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(user_sessions, users)
                .join(users, users.c.name == user_sessions.c.user_name)
                .where(user_sessions.c.token_hash == key)
            ).first()
        if found is None or found.ended_at is not None or found.disabled:
            return None
        if now - found.created_at > SESSION_ABSOLUTE or now - found.last_seen_at > SESSION_IDLE:
            self.sign_out(token)
            return None
        if now - found.last_seen_at >= TOUCH_EVERY:
            with write_transaction(self.engine) as conn:
                conn.execute(
                    user_sessions.update().where(user_sessions.c.token_hash == key).values(last_seen_at=now)
                )
        return _user_of(found)

    def session_remaining(self, token: str | None) -> dt.timedelta | None:
        """Return how long the session lives without further use (idle or absolute limit); None if ended.

        Unlike `session_user` it does not count as use, so a timer asking it cannot keep a session alive.
        """
        if not token:
            return None
        now = self.clock()
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(user_sessions, users.c.disabled)
                .join(users, users.c.name == user_sessions.c.user_name)
                .where(user_sessions.c.token_hash == _token_hash(token))
            ).first()
        if found is None or found.ended_at is not None or found.disabled:
            return None
        left = min(found.created_at + SESSION_ABSOLUTE, found.last_seen_at + SESSION_IDLE) - now
        return left if left > dt.timedelta(0) else None

    def session_owner(self, token: str | None) -> str | None:
        """Return whose session a token was (alive or not), so an ended session's draft finds its owner."""
        if not token:
            return None
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(user_sessions.c.user_name).where(user_sessions.c.token_hash == _token_hash(token))
            ).scalar_one_or_none()

    def display_names(self) -> dict[str, str]:
        """Return login name → display name for every account that has one (for showing people)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(users.c.name, users.c.display_name).where(users.c.display_name.is_not(None))
            ).all()
        return {r.name: r.display_name for r in rows if r.display_name and r.display_name.strip()}

    def sign_out(self, token: str | None) -> None:
        """End a session; signing out twice is harmless."""
        if not token:
            return
        with write_transaction(self.engine) as conn:
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.token_hash == _token_hash(token), user_sessions.c.ended_at.is_(None))
                .values(ended_at=self.clock())
            )

    def user_for_identity(
        self,
        email: str | None,
        name: str | None = None,
        *,
        email_verified: bool = False,
        subject: str | None = None,
    ) -> User | None:
        """Return the enabled account an OpenID Connect identity is: by subject ("issuer|sub"), else by a
        verified e-mail. A name claim is never used: anyone can choose their display or user name."""
        del name  # accepted for callers that pass the claim, deliberately ignored
        with self.engine.connect() as conn:
            row = None
            if subject:
                row = conn.execute(sa.select(users).where(users.c.oidc_subject == subject)).first()
            if row is None and email and email_verified:
                row = conn.execute(
                    sa.select(users).where(sa.func.lower(users.c.email) == email.lower())
                ).first()
        if row is None or row.disabled:
            return None
        return _user_of(row)


def lock_duration(failures: int, limit: int = FAILURES_BEFORE_LOCK) -> dt.timedelta:
    """Return how long a key stays locked after this many consecutive failures (doubling, capped)."""
    if failures < limit:
        return dt.timedelta(0)
    doublings = min(failures - limit, 16)  # bounded so the multiplication cannot overflow
    return min(FIRST_LOCK * 2**doublings, MAX_LOCK)


def _insert_ignore(conn: Connection, key: str) -> sa.Executable:
    # Two first attempts for one key at once: one inserts, the other finds the row.
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(sign_in_throttle).values(key=key, failures=0).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(sign_in_throttle).values(key=key, failures=0).on_conflict_do_nothing()


def _user_of(row: sa.Row) -> User:
    return User(
        name=row.name,
        role=row.role,
        themes=tuple(row.themes.split()),
        departments=tuple(row.departments.split()),
        email=row.email,
        display_name=row.display_name,
    )
