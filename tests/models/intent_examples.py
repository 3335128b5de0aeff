"""A small shop-support data set: 8 intents x 12 examples, plus held-out paraphrases."""

from __future__ import annotations

TRAINING_EXAMPLES: dict[str, list[str]] = {
    "greet": [
        "hi", "hello", "hey there", "good morning", "good evening", "hello, anyone there?",
        "hi team", "hey", "greetings", "hiya", "good afternoon", "hello shop",
    ],
    "goodbye": [
        "bye", "goodbye", "see you later", "that's all, thanks, bye", "have a nice day",
        "talk to you later", "cya", "bye bye", "I'm done, goodbye", "see you soon",
        "farewell", "catch you later",
    ],
    "order_status": [
        "where is my order", "what's the status of my order", "has my package shipped yet",
        "when will my order arrive", "track my order 12345", "my parcel hasn't arrived",
        "is my order on its way", "I want to know where my delivery is", "order status please",
        "can you check my shipment", "when does my package get here",
        "tracking number for my order",
    ],
    "return_item": [
        "I want to return this", "how do I send back an item", "I'd like a refund for my shoes",
        "the jacket doesn't fit, can I return it", "start a return", "return policy",
        "I need to return a damaged product", "can I get my money back", "send the item back",
        "I received the wrong size and want to return it", "refund my purchase",
        "how do returns work",
    ],
    "search_product": [
        "do you have red sneakers", "I'm looking for a winter jacket", "show me laptops",
        "find running shoes size 42", "do you sell coffee makers", "I need a new backpack",
        "any wireless headphones", "search for leather wallets", "show me dresses under 50 dollars",
        "looking for a gift for my dad", "do you carry kids toys", "I want to buy a phone case",
    ],
    "shipping_cost": [
        "how much is shipping", "what are the delivery fees", "do you offer free shipping",
        "shipping cost to Canada", "how much does delivery cost", "is shipping free over 50",
        "what do you charge for express delivery", "postage costs", "delivery price",
        "how expensive is international shipping", "shipping rates", "do I pay for shipping",
    ],
    "cancel_order": [
        "cancel my order", "I want to cancel my purchase", "please cancel order 5555",
        "stop my order", "I changed my mind, cancel it", "can I still cancel my order",
        "don't ship my order", "cancel the order I placed yesterday", "I no longer want my order",
        "how do I cancel an order", "abort my purchase", "withdraw my order",
    ],
    "human_handoff": [
        "I want to talk to a person", "can I speak to a human", "connect me to an agent",
        "real person please", "let me talk to customer service", "transfer me to a human",
        "I need a human agent", "is there someone I can call", "speak to a representative",
        "get me a real person", "talk to support staff", "put me through to an operator",
    ],
}

#: Paraphrases none of which appear in the training examples.
HELD_OUT: list[tuple[str, str]] = [
    ("hello there", "greet"),
    ("see ya, thanks for the help", "goodbye"),
    ("where is my package right now", "order_status"),
    ("I would like to return my order and get a refund", "return_item"),
    ("do you have blue running shoes", "search_product"),
    ("how much do you charge for shipping", "shipping_cost"),
    ("please cancel my order", "cancel_order"),
    ("I'd like to speak with a human", "human_handoff"),
]


def training_pairs() -> tuple[list[str], list[str]]:
    """The training examples as parallel (texts, labels) lists."""
    texts = [text for examples in TRAINING_EXAMPLES.values() for text in examples]
    labels = [intent for intent, examples in TRAINING_EXAMPLES.items() for _ in examples]
    return texts, labels
