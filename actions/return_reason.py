"""Is the shopper's answer to "why are you returning it?" a reason, or a question?

The return form takes its reason from the shopper's text, so a question asked instead ("how
long does a refund take?") would be stored as the reason and open the return with it.
:func:`asks_instead_of_answering` is the one rule that tells them apart:

- what decides is the message's **last sentence**, what the shopper ends with: "why? because
  it doesn't fit" ends with a reason and is one;
- that sentence is a question when it ends with "?", opens with a question word asking
  something ("how long", "when will", "what's"), with an auxiliary before its subject ("can
  I", "do you", "is there"), or with "tell me" / "I'd like to know" / "I wonder"; a reason
  such as "does not fit" or "is the wrong size" opens with no subject and stays a reason;
- a one-sentence message without those marks is a question when the NLU's likeliest intent
  (behind ``nlu_fallback`` too) is a policy question with at least :data:`FAIR_CONFIDENCE`.
"""

from __future__ import annotations

import re

from retrieval.knowledge_base import KNOWLEDGE_TOPICS

#: Intents the return form answers as questions: the knowledge base's topics and
#: refund_status, as its rule in bot/data/support_rules.yml does.
QUESTION_INTENTS = frozenset({*KNOWLEDGE_TOPICS, "refund_status"})

#: How sure the NLU must be that a message without question marks or words asks a policy
#: question before it counts as one.
FAIR_CONFIDENCE = 0.5

_WH = r"(?:how|what|when|where|which|who|why)"
_AUXILIARY = r"(?:do|does|did|is|are|was|were|will|would|can|could|should|shall|may|might|has|have)"
_QUESTION_OPENINGS = re.compile(
    # "how long ...", "when will ...", "what's ...", or a question word on its own.
    rf"^(?:{_WH}(?:'s\b|\s+(?:long|much|many|soon|often|come|{_AUXILIARY})\b|$)"
    # An auxiliary before its subject: "can I ...", "do you ...", "will my refund ...".
    r"|(?:do|does|did|can|could|will|would|should|shall|may|might)\s+"
    r"(?:i|you|we|they|it|he|she|there|my|your|the|this|that|these|those)\b"
    r"|(?:is|are|am|have|has)\s+(?:i|you|we|they|it|there)\b"
    # Asking without a question's word order.
    r"|tell me\b|i(?: want| wanted| would like|'d like) to know\b|i (?:was )?wonder(?:ing)?\b"
    r"|wondering\b)"
)
#: Words that may open a question without being part of it: "and how long ...", "ok, so can I ...".
_LEAD_IN = re.compile(
    r"^(?:(?:and|but|so|also|ok|okay|oh|um|hmm|wait|sorry|btw|quick question)\b[\s,:;-]*)+"
)
_SENTENCE = re.compile(r"[^.!?]*[.!?]*")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its closing punctuation, lower case."""
    text = text.replace("\u2019", "'").lower()
    return [s.strip() for s in _SENTENCE.findall(text) if re.search(r"\w|\?", s)]


def is_question(sentence: str) -> bool:
    """Whether one sentence (lower case) asks something, by its punctuation or its opening."""
    if sentence.endswith("?"):
        return True
    return bool(_QUESTION_OPENINGS.match(_LEAD_IN.sub("", sentence).rstrip(".! ")))


def asks_instead_of_answering(text: str, intent: str | None, confidence: float) -> bool:
    """Whether ``text``, given for a return's reason, asks a question instead (module docstring).

    ``intent`` and ``confidence`` are the NLU's likeliest intent for the message, looking past
    ``nlu_fallback`` (:func:`actions.base.likeliest_intent`).
    """
    parts = sentences(text)
    if not parts:
        return False
    if is_question(parts[-1]):
        return True
    return len(parts) == 1 and intent in QUESTION_INTENTS and confidence >= FAIR_CONFIDENCE
