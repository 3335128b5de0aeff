"""When support staff are at work, so the bot can say when a person will answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from shopdesk.settings import Settings, SettingsError, time_zone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$",
    re.IGNORECASE,
)


class StaffHoursError(SettingsError):
    """A staff-hours setting that cannot be read."""


@dataclass(frozen=True)
class StaffHours:
    """Working days (0 = Monday), opening and closing time, in the shop's time zone."""

    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: str) -> StaffHours:
        """Read ``"Mon-Fri 09:00-17:00"`` in the IANA time zone ``zone``."""
        match = _HOURS.match(text)
        if not match:
            raise StaffHoursError(
                f"SHOPDESK_STAFF_HOURS={text!r} is not understood; "
                "write it like 'Mon-Fri 09:00-17:00'."
            )
        try:
            first = DAYS.index(match["first"].lower())
            last = DAYS.index((match["last"] or match["first"]).lower())
        except ValueError as exc:
            raise StaffHoursError(
                f"Unknown day in SHOPDESK_STAFF_HOURS={text!r}; use Mon, Tue, … Sun."
            ) from exc
        tz = time_zone("SHOPDESK_STAFF_TIMEZONE", zone)
        days = frozenset((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        try:
            opens, closes = (time.fromisoformat(match[k].zfill(5)) for k in ("open", "close"))
        except ValueError as exc:
            raise StaffHoursError(
                f"SHOPDESK_STAFF_HOURS={text!r} holds a time that does not exist; "
                "use 00:00 to 23:59, e.g. 'Mon-Fri 09:00-17:00'."
            ) from exc
        if opens >= closes:
            raise StaffHoursError(
                f"SHOPDESK_STAFF_HOURS={text!r}: "
                "the opening time must come before the closing time."
            )
        return cls(days, opens, closes, tz)

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffHours:
        """The staff hours of ``SHOPDESK_STAFF_HOURS`` in ``SHOPDESK_STAFF_TIMEZONE``."""
        return cls.parse(settings.staff_hours, settings.staff_timezone)

    def is_open(self, moment: datetime) -> bool:
        """True when staff are at work at ``moment`` (an aware datetime)."""
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The next time staff start work after ``moment``, in the shop's time zone."""
        local = moment.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            start = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and start > local:
                return start
        raise StaffHoursError("No working day in the staff hours.")

    def when_a_person_answers(self, moment: datetime) -> str:
        """ "shortly" during staff hours, else the next opening in words."""
        if self.is_open(moment):
            return "shortly"
        opening = self.next_opening(moment)
        return f"when our team is back, {opening.strftime('%A at %H:%M')} ({self.zone.key} time)"
