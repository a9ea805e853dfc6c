"""Local accounts in the database: argon2 passwords, throttled sign-in, expiring sessions."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine

from indicators.access import NAME_PATTERN, ROLES, User
from indicators.catalogue import Catalogue
from indicators.db import metadata
from indicators.errors import IndicatorsError, Problem

MIN_PASSWORD_LENGTH = 10
FAILURES_BEFORE_LOCK = 5
FIRST_LOCK = dt.timedelta(seconds=30)
MAX_LOCK = dt.timedelta(hours=1)
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

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Return the current time in UTC without tzinfo (how the tables store it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    # Same as indicators.db.write_transaction: SQLite takes its write lock at BEGIN, so a read followed by a
    # write in one transaction cannot fail half-way on a lock upgrade.
    with engine.connect() as conn:
        conn.execution_options(xinan_write=True)
        with conn.begin():
            yield conn


def open_accounts(url: str | None = None) -> Accounts:
    """Return the accounts of the database at url (else $XINAN_DB_URL, else the SQLite file), migrated."""
    from indicators.db import make_engine, migrate, resolve_url

    engine = make_engine(resolve_url(url))
    migrate(engine)
    return Accounts(engine)


def _problem(message: str, hint: str = "", path: str = "user") -> IndicatorsError:
    return IndicatorsError([Problem(message, path=path, hint=hint)])


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
    if password != password.strip():
        problems.append(
            Problem("password starts or ends with a space", path="password", hint="remove the spaces")
        )
    if problems:
        raise IndicatorsError(problems)


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
        self.hasher = hasher or PasswordHasher()
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
    ) -> User:
        """Create an account; password None means it signs in only through OpenID Connect."""
        themes = tuple(dict.fromkeys(themes))
        departments = tuple(dict.fromkeys(departments))
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
                            hint=f"did you mean '{close[0]}'?"
                            if close
                            else "use an id from departments.yaml",
                        )
                    )
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
        if problems:
            raise IndicatorsError(problems)
        with _writing(self.engine) as conn:
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
                    password_hash=self.hasher.hash(password) if password is not None else None,
                    disabled=False,
                    failed_count=0,
                    created_at=self.clock(),
                )
            )
        return User(
            name=name,
            role=role,
            themes=themes,
            departments=departments,
            email=email,
            display_name=display_name,
        )

    def list_users(self) -> list[AccountRow]:
        """Return every account, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
        return [
            AccountRow(
                name=r.name,
                role=r.role,
                themes=tuple(r.themes.split()),
                email=r.email,
                disabled=bool(r.disabled),
                departments=tuple(r.departments.split()),
                has_password=r.password_hash is not None,
                failed_count=r.failed_count,
                locked_until=r.locked_until,
                last_sign_in_at=r.last_sign_in_at,
            )
            for r in rows
        ]

    def disable_user(self, name: str) -> None:
        """Disable an account and end its sessions; its past revisions keep its name."""
        now = self.clock()
        with _writing(self.engine) as conn:
            done = conn.execute(users.update().where(users.c.name == name).values(disabled=True)).rowcount
            if not done:
                raise _problem(f"no user named {name!r}", hint="see `python -m indicators user list`")
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.user_name == name, user_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    def set_password(self, name: str, password: str) -> None:
        """Replace an account's password, clear its lock and end its sessions."""
        check_password_policy(name, password)
        now = self.clock()
        with _writing(self.engine) as conn:
            done = conn.execute(
                users.update()
                .where(users.c.name == name)
                .values(password_hash=self.hasher.hash(password), failed_count=0, locked_until=None)
            ).rowcount
            if not done:
                raise _problem(f"no user named {name!r}")
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.user_name == name, user_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    # --- sign-in ------------------------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> Session:
        """Check name and password; return a new session or raise IndicatorsError (same text for both)."""
        now = self.clock()
        wrong = _problem(
            "用户名或密码错误 / wrong user name or password",
            hint=f"after {FAILURES_BEFORE_LOCK} failures the account is locked for a while",
            path="sign-in",
        )
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None or row.password_hash is None:
            self._verify(self._dummy_hash, password)
            raise wrong
        if row.locked_until is not None and row.locked_until > now:
            wait = int((row.locked_until - now).total_seconds()) + 1
            raise _problem(
                f"登录失败次数过多，请 {wait} 秒后再试 / too many failed sign-ins: try again in {wait} s",
                hint="an admin can reset the password with `python -m indicators user passwd`",
                path="sign-in",
            )
        if not self._verify(row.password_hash, password):
            self._record_failure(name, now)
            raise wrong
        if row.disabled:
            raise _problem("该账号已停用 / this account is disabled", path="sign-in")
        if self.hasher.check_needs_rehash(row.password_hash):
            new_hash = self.hasher.hash(password)
        else:
            new_hash = row.password_hash
        token = secrets.token_urlsafe(32)
        with _writing(self.engine) as conn:
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

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _record_failure(self, name: str, now: dt.datetime) -> None:
        # One UPDATE with failed_count + 1, so concurrent processes never lose a failure.
        with _writing(self.engine) as conn:
            conn.execute(
                users.update().where(users.c.name == name).values(failed_count=users.c.failed_count + 1)
            )
            count = conn.execute(sa.select(users.c.failed_count).where(users.c.name == name)).scalar_one()
            if count >= FAILURES_BEFORE_LOCK:
                conn.execute(
                    users.update().where(users.c.name == name).values(locked_until=now + lock_duration(count))
                )

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
            with _writing(self.engine) as conn:
                conn.execute(
                    user_sessions.update().where(user_sessions.c.token_hash == key).values(last_seen_at=now)
                )
        return _user_of(found)

    def sign_out(self, token: str | None) -> None:
        """End a session; signing out twice is harmless."""
        if not token:
            return
        with _writing(self.engine) as conn:
            conn.execute(
                user_sessions.update()
                .where(user_sessions.c.token_hash == _token_hash(token), user_sessions.c.ended_at.is_(None))
                .values(ended_at=self.clock())
            )

    def user_for_identity(self, email: str | None, name: str | None) -> User | None:
        """Return the enabled local account an OpenID Connect identity maps to (by e-mail, else name)."""
        with self.engine.connect() as conn:
            row = None
            if email:
                row = conn.execute(
                    sa.select(users).where(sa.func.lower(users.c.email) == email.lower())
                ).first()
            if row is None and name:
                row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None or row.disabled:
            return None
        return _user_of(row)


def lock_duration(failures: int) -> dt.timedelta:
    """Return how long an account stays locked after this many consecutive failures (doubling, capped)."""
    if failures < FAILURES_BEFORE_LOCK:
        return dt.timedelta(0)
    doublings = min(failures - FAILURES_BEFORE_LOCK, 16)  # bounded so the multiplication cannot overflow
    return min(FIRST_LOCK * 2**doublings, MAX_LOCK)


def _user_of(row: sa.Row) -> User:
    return User(
        name=row.name,
        role=row.role,
        themes=tuple(row.themes.split()),
        departments=tuple(row.departments.split()),
        email=row.email,
        display_name=row.display_name,
    )
