"""Policy or my order? One decision for a question that may be about either.

"How long does a refund take?" can ask for the shop's refund policy or about the shopper's own
refund, and the classifier reads such questions either way (``return_policy`` or
``refund_status``, ``shipping_info`` or ``order_status``) with confidences that move with every
training run. The bot must not hang on that reading, so every action such a question can reach
(the policy answer and the start of an order flow) asks :func:`policy_or_my_order`, which
decides from the wording, and from the intent ranking only which kind of question it is:

- the likeliest intent (looking past ``nlu_fallback``) must be one of :data:`INTENT_KIND`'s, a
  refund or a delivery question, else the decision is left to the intent (``None``);
- it must ask about **timing** ("how long", "when", "how many days", "take", "until", ...) and
  name what it asks about (refunds, returns, money back; delivery, shipping, orders, arrival),
  else ``None``: "can I return sale items?" is a policy question like any other;
- it is about **the shopper's own order** (:attr:`Reading.MY_ORDER`: verify, then check the
  order) when it says so: "my", "our", an order number, "I returned / ordered / sent ...", or
  a pronoun ("when will it arrive?") without a word that makes it general ("usually",
  "normally", "in general", ...);
- otherwise it is **the policy** (:attr:`Reading.POLICY`): the policy is answered and checking
  one of the shopper's orders is offered with Yes / No. Verification is never the first answer
  to it.

When a question names both kinds ("how long until my money is back after a return is
delivered?"), the kind of the likeliest intent decides if its words are there, else the first
kind whose words are.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Reading(str, enum.Enum):
    """How a question that may be about the policy or the shopper's own order is taken."""

    #: The shop's policy: answer it and offer to check one of the shopper's orders.
    POLICY = "policy"
    #: The shopper's own order: verify them and run the order flow.
    MY_ORDER = "my_order"


@dataclass(frozen=True)
class Kind:
    """A kind of question that may be about the policy or about the shopper's order."""

    #: The knowledge base topic that answers the policy.
    topic: str
    #: The order flow (an intent name) that checks the shopper's own order.
    flow: str
    #: The offer made after the policy answer.
    offer: str
    #: Words that name what the question is about.
    words: re.Pattern[str]


REFUND = Kind(
    topic="return_policy",
    flow="refund_status",
    offer="Would you like me to check the refund of one of your orders?",
    words=re.compile(
        r"\b(refunds?|refunded|refunding|reimburse\w*|money back|returns?|returned|credited)\b"
    ),
)
DELIVERY = Kind(
    topic="shipping_info",
    flow="order_status",
    offer="Would you like me to check where one of your orders is?",
    words=re.compile(
        r"\b(deliver\w*|ship|ships|shipped|shipping|shipment\w*|dispatch\w*|arriv\w*|orders?"
        r"|packages?|parcels?|transit)\b"
    ),
)
KINDS = (REFUND, DELIVERY)
#: The intents a policy-or-my-order question is read as, and the kind each names.
INTENT_KIND: Mapping[str, Kind] = {
    "return_policy": REFUND,
    "refund_status": REFUND,
    "return_item": REFUND,
    "shipping_info": DELIVERY,
    "order_status": DELIVERY,
}

_TIMING = re.compile(
    r"\b(how long|how many (business |working )?days|how soon|how quickly|how fast|when"
    r"|take|takes|taking|took|until|till|turnaround|time ?frame|processing time|wait)\b"
)
#: The shopper speaks of their own order: possessives, something they did, an order number.
_OWN = re.compile(
    r"\b(my|mine|our|ours|i've|i have (returned|sent|ordered|bought|paid)"
    r"|i (just )?(returned|sent|ordered|bought|placed|paid|requested|was told|was promised))\b"
    r"|\b\d{5,8}\b"
)
#: A pronoun pointing at something the shopper has in mind ("when will it arrive?", "when do
#: I get it back?"); not the empty "it" of "how long does it take to ...".
_POINTING = re.compile(
    r"\b(will|would|does|do|did|is|are|has|have|can|get|receive|ship|deliver|send|track)\s+"
    r"(it|this|that|they|them|these|those)\b(?!\s+(take|takes|took)\b)"
)
#: Words that make a question general even with a pronoun ("when will it arrive usually?").
_GENERAL = re.compile(
    r"\b(usually|normally|typically|generally|in general|on average|average|standard|ever)\b"
)


@dataclass(frozen=True)
class Decision:
    """What :func:`policy_or_my_order` decided, with the kind of question it is."""

    reading: Reading
    kind: Kind


def likeliest(ranking: Sequence[Mapping[str, Any]]) -> str | None:
    """The best intent of an NLU ranking, looking past ``nlu_fallback``."""
    return next(
        (str(i["name"]) for i in ranking if i.get("name") and i.get("name") != "nlu_fallback"),
        None,
    )


def policy_or_my_order(
    text: str, ranking: Sequence[Mapping[str, Any]], order_number: bool = False
) -> Decision | None:
    """Whether ``text`` asks about the policy or the shopper's own order (module docstring).

    ``ranking`` is the message's intent ranking, best first (``nlu_fallback`` is looked past);
    ``order_number`` says whether the NLU found an order number in it. None when the question
    is not one that may be either: the caller then follows the intent.
    """
    read_as = INTENT_KIND.get(likeliest(ranking) or "")
    if read_as is None:
        return None
    words = " ".join(text.replace("\u2019", "'").lower().split())
    if not _TIMING.search(words):
        return None
    named = [kind for kind in KINDS if kind.words.search(words)]
    if not named:
        return None
    kind = read_as if read_as in named else named[0]
    pointing = _POINTING.search(words) and not _GENERAL.search(words)
    if order_number or _OWN.search(words) or pointing:
        return Decision(Reading.MY_ORDER, kind)
    return Decision(Reading.POLICY, kind)
