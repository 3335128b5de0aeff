"""Knowledge base files for the tests of retrieval.knowledge_base and retrieval.knowledge_index."""

from __future__ import annotations

from pathlib import Path

import yaml

#: The demo shop's knowledge base.
DEMO_KB = Path(__file__).resolve().parents[2] / "bot" / "knowledge_base.yml"

#: A small shop's knowledge base, written as the owner would.
SMALL_KB = {
    "entries": [
        {
            "id": "delivery-time",
            "topic": "shipping_info",
            "questions": [
                "How long does delivery take?",
                "When will my order arrive?",
                "How fast do you ship?",
            ],
            "answer": "Orders arrive in 2-4 business days.",
        },
        {
            "id": "countries",
            "topic": "shipping_info",
            "questions": [
                "Which countries do you ship to?",
                "Do you ship abroad?",
                "Do you deliver internationally?",
            ],
            "answer": "We ship within the US and to Canada.",
        },
        {
            "id": "returns",
            "topic": "return_policy",
            "questions": [
                "What is your return policy?",
                "Can I return an item?",
                "How long do I have to return it?",
            ],
            "answer": "You can return items within 30 days of delivery.",
        },
        {
            "id": "refund-time",
            "topic": "return_policy",
            "questions": [
                "When will I get my refund?",
                "How long do refunds take?",
                "When is my money refunded?",
            ],
            "answer": "Refunds reach your original payment method within 5-7 business days.",
        },
        {
            "id": "payment",
            "topic": "payment_methods",
            "questions": [
                "How can I pay?",
                "Which payment methods do you accept?",
                "Do you take credit cards?",
            ],
            "answer": "We accept Visa, Mastercard and PayPal.",
        },
        {
            "id": "phone",
            "topic": "contact_info",
            "questions": [
                "What is your phone number?",
                "How can I contact you?",
                "Can I call you?",
            ],
            "answer": "Call us on +1 (800) 555-0199, Monday to Friday, 9:00-17:00 Pacific.",
        },
    ]
}

GIFT_WRAP_ENTRY = {
    "id": "gift-wrap",
    "topic": "shipping_info",
    "questions": [
        "Do you offer gift wrapping?",
        "Can you wrap my order as a present?",
        "Is gift wrap available?",
    ],
    "answer": "Gift wrapping costs $4 per order; choose it at checkout.",
}


def write_kb(path: Path, data: dict, header: str = "") -> Path:
    """Write ``data`` as a knowledge base YAML file, after ``header`` (e.g. comments)."""
    path.write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return path
