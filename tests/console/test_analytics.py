"""Analytics of a seeded set of conversations whose numbers the test knows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from console.analytics import Period, build_report
from storage.support import record_rating, request_handoff
from tests.helpers.conversation_log import Conversation

MONDAY = datetime(2026, 11, 2, 9, 0)
LOW = 0.6


@pytest.fixture
def seeded(conversation_log, console_app, shop_session):
    """Four conversations on Monday and Tuesday; one handed off and answered 3 minutes later."""
    d1, d2 = MONDAY, MONDAY + timedelta(days=1)
    conversation_log.save(
        Conversation("a", channel="shopdesk").start(d1)
        .user(d1, "red dress", "product_search", 0.95).bot(d1, "Here are red dresses"),
        Conversation("b", channel="shopdesk").start(d1)
        .user(d1, "flux capacitor", "nlu_fallback", 0.2)
        .bot(d1, "Sorry, I did not get that")
        .user(d1 + timedelta(minutes=1), "human please", "human_handoff", 0.97)
        .staff(d1 + timedelta(minutes=4), "Hi, Sam here", "Sam"),
        Conversation("c", channel="rest").start(d2)
        .user(d2, "Flux Capacitor", "nlu_fallback", 0.25),
        Conversation("d", channel="rest").start(d2)
        .user(d2, "where is my order", "order_status", 0.9)
        .bot(d2, "Which order?"),
    )  # fmt: skip
    console_app.state.console.index_now()
    request_handoff(shop_session, "b", "repeated_fallback", now=d1 + timedelta(minutes=1))
    record_rating(shop_session, "a", 5, "product_search", now=d1)
    record_rating(shop_session, "d", 3, "order_status", now=d2)
    return shop_session


def test_report_numbers(seeded) -> None:
    period = Period(date(2026, 11, 2), date(2026, 11, 3))
    report = build_report(seeded, period, LOW)
    assert report.tables["volume"].rows == [["2026-11-02", 2, 6], ["2026-11-03", 2, 3]]
    assert report.tables["rates"].rows == [
        ["2026-11-02", 0.5, 0.5, 0.3333],
        ["2026-11-03", 1.0, 0.0, 0.5],
    ]
    totals = report.totals
    assert totals["conversations"] == 4 and totals["messages"] == 9
    assert totals["containment"] == 0.75 and totals["handoff rate"] == 0.25
    assert totals["fallback rate"] == 0.4
    assert totals["CSAT average"] == 4.0 and totals["CSAT ratings"] == 2
    assert totals["median first staff response (min)"] == 3.0
    assert report.tables["handoff_reasons"].rows == [["repeated_fallback", 1]]
    assert report.tables["csat"].rows == [[1, 0], [2, 0], [3, 1], [4, 0], [5, 1]]
    assert report.tables["not_understood"].rows == [["flux capacitor", 2]]
    assert report.tables["top_intents"].rows[0] == ["nlu_fallback", 2]


def test_week_and_channel(seeded) -> None:
    week = build_report(seeded, Period(date(2026, 11, 2), date(2026, 11, 8), "week"), LOW)
    assert week.tables["volume"].rows == [["2026-11-02", 4, 9]]
    rest = build_report(seeded, Period(date(2026, 11, 2), date(2026, 11, 3), "day", "rest"), LOW)
    assert rest.totals["conversations"] == 2 and rest.totals["CSAT ratings"] == 1
    assert rest.tables["handoff_reasons"].rows == []


def test_page_and_csv(seeded, client) -> None:
    agent = client("agent")
    page = agent.http.get("/analytics", params={"from": "2026-11-02", "to": "2026-11-03"})
    assert page.status_code == 200
    assert 'data-total="containment">75.0%' in page.text
    reply = agent.http.get(
        "/analytics/volume.csv", params={"from": "2026-11-02", "to": "2026-11-03"}
    )
    assert reply.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(reply.text))) == [
        ["period", "conversations", "messages"],
        ["2026-11-02", "2", "6"],
        ["2026-11-03", "2", "3"],
    ]
    assert agent.http.get("/analytics/nothing.csv").status_code == 404
    bad = agent.http.get("/analytics", params={"from": "2026-11-09", "to": "2026-11-01"})
    assert bad.status_code == 400 and "swap the two dates" in bad.text
