"""The return window is counted in the shop's calendar, whatever the server's time zone.

Delivery times are stored as naive UTC; "today" is the shop's day (``Settings.shop_today``).
Each case checks the last minutes of the window's last day and the first minutes after it,
in a shop far east (Auckland, UTC+13 in March) and far west (Los Angeles, UTC-7) of UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy.orm import Session

from shopdesk.settings import Settings
from storage.returns import LineVerdict, ReturnRules, ReturnService
from storage.schema import Order
from tests.helpers.demo_shop import ALEX_EMAIL, customer_id

T_SHIRT = "Loomcraft Everyday Cotton T-Shirt"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def deliver_order_10003_at(session: Session, moment: datetime) -> None:
    order = session.query(Order).filter_by(number="10003").one()
    order.latest_shipment.delivered_at = moment.astimezone(timezone.utc).replace(tzinfo=None)
    session.flush()


@pytest.mark.parametrize(
    ("zone", "delivered", "delivered_on", "last_day", "now", "verdict"),
    [
        # 11:30 UTC on March 1 is already March 2 in Auckland: the window runs to April 1 there.
        (
            "Pacific/Auckland",
            utc(2025, 3, 1, 11, 30),
            date(2025, 3, 2),
            date(2025, 4, 1),
            utc(2025, 4, 1, 10, 30),  # 23:30 on April 1 in Auckland
            LineVerdict.ELIGIBLE,
        ),
        (
            "Pacific/Auckland",
            utc(2025, 3, 1, 11, 30),
            date(2025, 3, 2),
            date(2025, 4, 1),
            utc(2025, 4, 1, 11, 30),  # 00:30 on April 2 in Auckland, still April 1 in UTC
            LineVerdict.OUTSIDE_WINDOW,
        ),
        # 07:30 UTC on March 1 is still February 28 in Los Angeles: the window ends March 30.
        (
            "America/Los_Angeles",
            utc(2025, 3, 1, 7, 30),
            date(2025, 2, 28),
            date(2025, 3, 30),
            utc(2025, 3, 31, 6, 30),  # 23:30 on March 30 in Los Angeles
            LineVerdict.ELIGIBLE,
        ),
        (
            "America/Los_Angeles",
            utc(2025, 3, 1, 7, 30),
            date(2025, 2, 28),
            date(2025, 3, 30),
            utc(2025, 3, 31, 7, 30),  # 00:30 on March 31 in Los Angeles
            LineVerdict.OUTSIDE_WINDOW,
        ),
    ],
)
def test_window_follows_the_shops_calendar_on_both_sides_of_midnight(
    shop: Session,
    zone: str,
    delivered: datetime,
    delivered_on: date,
    last_day: date,
    now: datetime,
    verdict: LineVerdict,
) -> None:
    settings = Settings(shop_timezone=zone)
    deliver_order_10003_at(shop, delivered)
    rules = ReturnRules(window_days=30, time_zone=settings.shop_zone)
    eligibility = ReturnService(shop).return_eligibility(
        "10003", customer_id(shop, ALEX_EMAIL), rules, settings.shop_today(now)
    )
    assert eligibility is not None
    assert eligibility.delivered_on == delivered_on
    assert eligibility.window_ends_on == last_day
    t_shirt = next(line for line in eligibility.lines if line.title == T_SHIRT)
    assert t_shirt.verdict is verdict
    if verdict is LineVerdict.OUTSIDE_WINDOW:
        assert f"ended on {last_day:%B} {last_day.day}, {last_day.year}" in t_shirt.reason


def test_shop_today_is_the_shops_date_not_the_servers() -> None:
    moment = utc(2025, 6, 30, 20, 0)
    assert Settings(shop_timezone="Pacific/Auckland").shop_today(moment) == date(2025, 7, 1)
    assert Settings(shop_timezone="America/Los_Angeles").shop_today(moment) == date(2025, 6, 30)
    assert Settings(shop_timezone="UTC").shop_today(moment) == date(2025, 6, 30)
