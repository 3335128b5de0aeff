"""Reading a shipping address typed on one line."""

import pytest

from actions.address import AddressFormatError, parse_address


def test_full_address():
    address = parse_address("Alex Morgan, 500 Howard St, San Francisco, CA 94105")
    assert (
        address.name,
        address.line1,
        address.city,
        address.region,
        address.postal_code,
        address.country,
    ) == (
        "Alex Morgan",
        "500 Howard St",
        "San Francisco",
        "CA",
        "94105",
        "US",
    )


def test_name_may_be_left_out_and_a_country_added():
    address = parse_address(
        "500 Howard St, San Francisco, CA 94105, USA", default_name="Alex Morgan"
    )
    assert address.name == "Alex Morgan" and address.country == "US"


def test_second_address_line():
    assert parse_address("Sam Lee, 1 Main St, Apt 4, Boston, MA 02118").line2 == "Apt 4"


@pytest.mark.parametrize("text", ["somewhere nice", "500 Howard St, San Francisco", ""])
def test_unreadable_addresses_explain_the_expected_form(text):
    with pytest.raises(AddressFormatError) as error:
        parse_address(text, default_name="Alex")
    assert "name, street, city, state ZIP" in str(error.value)
