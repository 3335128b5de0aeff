"""Staff accounts, sign-in with rate limiting, server-side sessions and the audit log."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.orders import committing, utcnow
from storage.schema import AuditEntry, LoginFailure, StaffMember, StaffRole, StaffSession

MIN_PASSWORD_CHARS = 10
#: Failed sign-ins allowed per e-mail address (and per client address) in the window below.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()

#: What each role may do. Admins do everything.
PERMISSIONS: dict[str, frozenset[StaffRole]] = {
    "read": frozenset({StaffRole.ADMIN, StaffRole.AGENT, StaffRole.ANNOTATOR}),
    "answer": frozenset({StaffRole.ADMIN, StaffRole.AGENT}),
    "label": frozenset({StaffRole.ADMIN, StaffRole.ANNOTATOR}),
    "export": frozenset({StaffRole.ADMIN, StaffRole.AGENT}),
    "manage_staff": frozenset({StaffRole.ADMIN}),
}


class StaffError(ValueError):
    """Bad account data (e-mail, role, password); the message says what to change."""


class LoginRefused(Exception):
    """Wrong e-mail or password, or a disabled account (the message does not say which)."""


class TooManyLogins(Exception):
    """Too many failed sign-ins; ``retry_minutes`` until the next attempt is accepted."""

    def __init__(self, retry_minutes: int) -> None:
        super().__init__(
            f"Too many failed sign-ins. Wait {retry_minutes} minutes and try again, "
            "or ask an admin to check your account."
        )
        self.retry_minutes = retry_minutes


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member as the console's pages see them."""

    id: int
    email: str
    name: str
    role: StaffRole

    def can(self, permission: str) -> bool:
        """Whether this member's role allows ``permission`` (a key of :data:`PERMISSIONS`)."""
        return self.role in PERMISSIONS[permission]


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value and the token its forms must carry."""

    session_id: str
    csrf_token: str
    staff: Staff


def _staff(row: StaffMember) -> Staff:
    return Staff(id=row.id, email=row.email, name=row.name, role=row.role)


def parse_role(value: str) -> StaffRole:
    """The role named ``value``, or :class:`StaffError` listing the roles."""
    try:
        return StaffRole(value.strip().lower())
    except ValueError:
        roles = ", ".join(role.value for role in StaffRole)
        raise StaffError(f"Unknown role {value!r}; use one of: {roles}.") from None


def add_staff(session: Session, email: str, password: str, role: str, name: str = "") -> Staff:
    """Create an account; raises :class:`StaffError` for a bad e-mail, role, short password or a
    taken e-mail. Commits."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise StaffError(f"{email!r} is not an e-mail address (name@example.com).")
    staff_role = parse_role(role)
    if len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
    row = StaffMember(
        email=email,
        name=(name.strip() or email.split("@")[0])[:100],
        role=staff_role,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=utcnow(),
    )
    try:
        with committing(session):
            session.add(row)
    except IntegrityError:
        raise StaffError(f"There is already an account for {email}.") from None
    return _staff(row)


def list_staff(session: Session) -> list[tuple[Staff, bool]]:
    """Every account with whether it is active, by e-mail."""
    rows = session.execute(select(StaffMember).order_by(StaffMember.email)).scalars()
    return [(_staff(row), row.active) for row in rows]


def set_active(session: Session, staff_id: int, active: bool) -> Staff:
    """Enable or disable an account; disabling also ends its sessions. Commits."""
    with committing(session):
        row = session.get(StaffMember, staff_id)
        if row is None:
            raise LookupError(f"No staff member with id {staff_id}.")
        row.active = active
        if not active:
            session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
    return _staff(row)


def _recent_failures(session: Session, column, value: str, since: datetime) -> int:
    return session.execute(
        select(func.count()).where(column == value, LoginFailure.failed_at >= since)
    ).scalar_one()


def sign_in(
    session: Session, email: str, password: str, address: str, *, now: datetime | None = None
) -> SignedIn:
    """Check the password and open a session; :class:`TooManyLogins` after repeated failures,
    :class:`LoginRefused` for a wrong e-mail or password. Commits."""
    now = now or utcnow()
    email = email.strip().lower()[:255]
    since = now - FAILURE_WINDOW
    if (
        _recent_failures(session, LoginFailure.email, email, since) >= MAX_FAILURES
        or _recent_failures(session, LoginFailure.address, address, since) >= MAX_FAILURES * 4
    ):
        raise TooManyLogins(int(FAILURE_WINDOW.total_seconds() // 60))
    row = session.execute(
        select(StaffMember).where(StaffMember.email == email)
    ).scalar_one_or_none()
    valid = False
    if row is not None and row.active:
        try:
            valid = _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            valid = False
    if not valid:
        with committing(session):
            session.add(LoginFailure(email=email, address=address[:64], failed_at=now))
        raise LoginRefused("Wrong e-mail or password.")
    signed_in = SignedIn(secrets.token_urlsafe(32), secrets.token_urlsafe(32), _staff(row))
    with committing(session):
        session.add(
            StaffSession(
                id=signed_in.session_id,
                staff_id=row.id,
                csrf_token=signed_in.csrf_token,
                created_at=now,
                last_seen_at=now,
            )
        )
        session.add(AuditEntry(staff_id=row.id, staff_email=row.email, action="sign_in"))
    return signed_in


def session_staff(
    session: Session, session_id: str, idle: timedelta, *, now: datetime | None = None
) -> tuple[Staff, str] | None:
    """The staff member and CSRF token of a live session (touching it), or None when it is
    unknown, expired (idle longer than ``idle``) or its account was disabled. Commits."""
    now = now or utcnow()
    found = session.execute(
        select(StaffSession, StaffMember)
        .join(StaffMember, StaffMember.id == StaffSession.staff_id)
        .where(StaffSession.id == session_id)
    ).first()
    if found is None:
        return None
    row, member = found
    if not member.active or now - row.last_seen_at > idle:
        with committing(session):
            session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        with committing(session):
            row.last_seen_at = now
    return _staff(member), row.csrf_token


def sign_out(session: Session, session_id: str) -> None:
    """End a session. Commits."""
    with committing(session):
        session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def audit(
    session: Session, staff: Staff, action: str, target: str | None = None, detail: str = ""
) -> None:
    """Record that ``staff`` did ``action`` on ``target``. Commits."""
    with committing(session):
        session.add(
            AuditEntry(
                staff_id=staff.id,
                staff_email=staff.email,
                action=action,
                target=target[:255] if target else None,
                detail=detail or None,
                created_at=utcnow(),
            )
        )


def recent_audit(session: Session, limit: int = 100) -> list[AuditEntry]:
    """The newest audit entries."""
    return list(
        session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars()
    )
