"""When a person answers a handed-over conversation."""

from datetime import datetime, timezone

import pytest

from actions.staff_hours import StaffHours, StaffHoursError

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
        ("Mon-Fri 09:00-17:00", "Mars/Olympus", "time zone"),
    ],
)
def test_bad_settings_say_what_is_expected(hours, zone, words):
    with pytest.raises(StaffHoursError) as error:
        StaffHours.parse(hours, zone)
    assert words in str(error.value)
