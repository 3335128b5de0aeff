"""The REST webhook's input checks."""

import json

import pytest

from bot.channels import WebhookError, parse_webhook_body


def body(**fields):
    return json.dumps(fields).encode()


def test_a_valid_body_passes_through():
    parsed = parse_webhook_body(body(sender="abc", message="hi", metadata={"page": "/"}), 100)
    assert parsed == {"sender": "abc", "message": "hi", "metadata": {"page": "/"}}


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"message": "hi"}).encode(), '"sender"'),
        (json.dumps({"sender": "a", "message": 5}).encode(), '"message"'),
        (json.dumps({"sender": "a", "message": "hi", "metadata": "x"}).encode(), '"metadata"'),
    ],
)
def test_malformed_bodies_get_a_400_that_says_what_to_fix(raw, words):
    with pytest.raises(WebhookError) as error:
        parse_webhook_body(raw, 100)
    assert error.value.status == 400
    assert words in str(error.value)


def test_an_oversized_message_gets_a_413_naming_the_limit():
    with pytest.raises(WebhookError) as error:
        parse_webhook_body(body(sender="a", message="x" * 1_000_000), 5000)
    assert error.value.status == 413
    assert "1,000,000" in str(error.value) and "5,000" in str(error.value)
