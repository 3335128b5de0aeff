"""Sign-in, roles, CSRF and the audit log, as each kind of staff member meets them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from storage.schema import AuditEntry, StaffMember
from tests.helpers.console import PASSWORD, csrf_of
from tests.helpers.conversation_log import Conversation

NOW = datetime(2026, 11, 30, 10, 0)


def test_signed_out_requests_get_no_data(client, conversation_log, console_app) -> None:
    conversation_log.save(Conversation("secret-shopper").start(NOW).user(NOW, "hi", "greet", 0.9))
    console_app.state.console.index_now()
    browser = client()
    page = browser.http.get("/inbox", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    for path in ("/inbox", "/conversations/secret-shopper", "/inbox/queue"):
        reply = browser.http.get(path, headers={"Accept": "application/json"})
        assert reply.status_code == 401
        assert "secret-shopper" not in reply.text
    refused = browser.http.post("/conversations/secret-shopper/take-over", data={})
    assert refused.status_code == 401


def test_wrong_password_is_refused_without_a_session(client) -> None:
    browser = client()
    reply = browser.login("agent", "not the password")
    assert reply.status_code == 401
    assert "Wrong e-mail or password" in reply.text
    assert browser.http.get("/inbox", follow_redirects=False).status_code == 303


def test_failed_logins_are_rate_limited(client) -> None:
    browser = client()
    for _ in range(5):
        assert browser.login("agent", "guess guess guess").status_code == 401
    # Even the right password waits now: the account is being guessed at.
    reply = browser.login("agent", PASSWORD)
    assert reply.status_code == 429
    assert "Too many failed sign-ins" in reply.text


def test_each_role_sees_only_its_screens(client) -> None:
    agent, annotator, admin = client("agent"), client("annotator"), client("admin")
    assert agent.http.get("/inbox").status_code == 200
    assert agent.http.get("/staff").status_code == 403
    assert "Staff" not in agent.http.get("/staff").text.split("<main>")[1].split("Not allowed")[0]
    assert annotator.http.get("/canned").status_code == 403
    assert admin.http.get("/staff").status_code == 200
    assert "agent@shop.test" in admin.http.get("/staff").text


def test_agent_cannot_add_staff_even_with_a_valid_token(client, shop_session) -> None:
    agent = client("agent")
    reply = agent.post(
        "/staff",
        {"email": "mallory@shop.test", "role": "admin", "password": "0123456789abc"},
    )
    assert reply.status_code == 403
    assert (
        shop_session.execute(
            select(StaffMember).where(StaffMember.email == "mallory@shop.test")
        ).first()
        is None
    )


def test_a_form_without_its_csrf_token_changes_nothing(client, shop_session) -> None:
    admin = client("admin")
    data = {"email": "new@shop.test", "role": "agent", "password": "0123456789abc"}
    for token in (None, "forged-token"):
        sent = data if token is None else {**data, "csrf_token": token}
        reply = admin.http.post("/staff", data=sent, follow_redirects=False)
        assert reply.status_code == 403
        assert "security token" in reply.text
    assert (
        shop_session.execute(
            select(StaffMember).where(StaffMember.email == "new@shop.test")
        ).first()
        is None
    )
    assert admin.post("/staff", data).status_code == 303
    assert (
        shop_session.execute(select(StaffMember.role).where(StaffMember.email == "new@shop.test"))
        .scalar_one()
        .value
        == "agent"
    )


def test_login_form_needs_its_token(client) -> None:
    browser = client()
    browser.http.get("/login")
    reply = browser.http.post(
        "/login", data={"email": "agent@shop.test", "password": PASSWORD}, follow_redirects=False
    )
    assert reply.status_code == 403


def test_sign_out_ends_the_session_and_is_audited(client, shop_session) -> None:
    admin = client("admin")
    old_token = admin.csrf()
    assert admin.post("/logout").status_code == 303
    assert admin.http.get("/inbox", follow_redirects=False).status_code == 303
    reply = admin.http.post("/staff", data={"csrf_token": old_token}, follow_redirects=False)
    assert reply.status_code == 401
    actions = shop_session.execute(select(AuditEntry.action, AuditEntry.staff_email)).all()
    assert ("sign_in", "admin@shop.test") in actions


def test_bad_staff_input_is_explained(client) -> None:
    admin = client("admin")
    reply = admin.post("/staff", {"email": "not-an-email", "role": "agent", "password": "x" * 12})
    assert reply.status_code == 400 and "is not an e-mail address" in reply.text
    reply = admin.post("/staff", {"email": "a@shop.test", "role": "boss", "password": "x" * 12})
    assert reply.status_code == 400 and "Unknown role" in reply.text


@pytest.mark.parametrize("role", ["agent", "annotator"])
def test_a_disabled_account_is_signed_out(client, role, shop_session) -> None:
    browser, admin = client(role), client("admin")
    member_id = shop_session.execute(
        select(StaffMember.id).where(StaffMember.email == f"{role}@shop.test")
    ).scalar_one()
    assert admin.post(f"/staff/{member_id}/active", {"active": "no"}, "/staff").status_code == 303
    assert browser.http.get("/inbox", follow_redirects=False).status_code == 303
    assert csrf_of(browser.http.get("/login").text)
    assert browser.login(role).status_code == 401
