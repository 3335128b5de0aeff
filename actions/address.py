"""Reading a shipping address the shopper typed on one line."""

from __future__ import annotations

import re

from storage.orders import Address

_REGION_AND_CODE = re.compile(r"^(?P<region>[A-Za-z .]+?)\s+(?P<code>\d{5}(?:-\d{4})?)$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$|^(?:usa|united states)$", re.IGNORECASE)


class AddressFormatError(ValueError):
    """An address that cannot be split into its parts; the message shows the expected form."""


def parse_address(text: str, default_name: str | None = None) -> Address:
    """``"Alex Morgan, 500 Howard St, San Francisco, CA 94105"`` -> :class:`Address`.

    The name may be left out when ``default_name`` is given; a trailing country is optional.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    country = "US"
    if parts and _COUNTRY.match(parts[-1]) and not _REGION_AND_CODE.match(parts[-1]):
        country = "US" if parts[-1].lower() in ("usa", "united states") else parts[-1].upper()
        parts = parts[:-1]
    match = _REGION_AND_CODE.match(parts[-1]) if parts else None
    if not match or len(parts) < 3:
        raise AddressFormatError(
            "I couldn't read that address. Please write it as: name, street, city, state ZIP "
            "(for example: Alex Morgan, 500 Howard St, San Francisco, CA 94105)."
        )
    head = parts[:-1]
    if len(head) == 2:
        if not default_name:
            raise AddressFormatError(
                "Please include the name of the person receiving the parcel, "
                "then the street, city, state and ZIP."
            )
        name, line1, city, line2 = default_name, head[0], head[1], None
    else:
        name, line1, city = head[0], head[1], head[-1]
        line2 = ", ".join(head[2:-1]) or None
    return Address(
        name=name,
        line1=line1,
        line2=line2,
        city=city,
        region=match["region"].strip(),
        postal_code=match["code"],
        country=country,
    )
