"""When a person answers a handed-over conversation."""

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from actions.services import ShopServices
from actions.staff_hours import StaffHours
from shopdesk.settings import SettingsError
from storage.schema import HandoffReason
from storage.support import open_handoffs
from tests.helpers.trackers import tracker_for

HOURS = StaffHours.parse("Mon-Fri 09:00-17:00", "America/Los_Angeles")


def test_during_staff_hours_a_person_answers_shortly():
    monday_noon_pacific = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
    assert HOURS.when_a_person_answers(monday_noon_pacific) == "shortly"


def test_on_saturday_the_shopper_is_told_monday_morning():
    saturday = datetime(2026, 11, 21, 20, 0, tzinfo=timezone.utc)
    assert (
        HOURS.when_a_person_answers(saturday)
        == "when our team is back, Monday at 09:00 (America/Los_Angeles time)"
    )


def test_after_closing_the_next_morning():
    tuesday_evening_pacific = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
    assert "Wednesday at 09:00" in HOURS.when_a_person_answers(tuesday_evening_pacific)


@pytest.mark.parametrize(
    "hours, zone, words",
    [
        ("weekdays", "America/Los_Angeles", "Mon-Fri 09:00-17:00"),
        ("Mon-Fri 17:00-09:00", "UTC", "before"),
        ("Mon-Fri 09:00-25:00", "UTC", "00:00 to 23:59"),
        ("Mon-Fri 09:00-17:00", "Mars/Olympus", "SHOPDESK_STAFF_TIMEZONE='Mars/Olympus'"),
    ],
)
def test_bad_settings_say_what_is_expected(hours, zone, words):
    with pytest.raises(SettingsError) as error:
        StaffHours.parse(hours, zone)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"staff_hours": "weekdays"}, "SHOPDESK_STAFF_HOURS"),
        ({"staff_timezone": "Mars/Olympus"}, "SHOPDESK_STAFF_TIMEZONE"),
        ({"shop_timezone": "Mars/Olympus"}, "SHOPDESK_SHOP_TIMEZONE"),
    ],
)
def test_services_refuse_to_start_with_bad_hours_or_time_zone(
    services: ShopServices, overrides: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        replace(services, settings=replace(services.settings, **overrides))


def test_handoff_tells_the_hours_read_when_the_services_were_built(services: ShopServices):
    weekend_staff = replace(
        services,
        settings=replace(
            services.settings, staff_hours="Sat-Sun 10:00-14:00", staff_timezone="UTC"
        ),
    )
    assert weekend_staff.staff_hours == StaffHours.parse("Sat-Sun 10:00-14:00", "UTC")
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("I want a person", "human_handoff", sender="staff-hours-shopper")
    hand_over(weekend_staff, dispatcher, tracker, HandoffReason.REQUESTED)
    (message,) = dispatcher.messages
    expected = weekend_staff.staff_hours.when_a_person_answers(datetime.now(timezone.utc))
    assert f"a person will answer here {expected}." in message["text"]
    with weekend_staff.session() as session:
        assert "staff-hours-shopper" in [h.sender_id for h in open_handoffs(session)]
