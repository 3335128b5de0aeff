"""Writes ``external_nlu.csv``: customer requests written by others, mapped to shopdesk's intents.

The outside evaluation set of ``shopdesk bench nlu`` (nlu_data/README.md, "Outside evaluation
set"): it is never trained on. Each source intent maps to one shop intent by the hand-written
rules below, or is left out; tweets are kept only when a rule for one intent matches and none
for another. Messages whose normalised words equal a training example (nlu_data/train) are
dropped, so the set measures phrasings the classifier has not seen.

Run ``python nlu_data/external/build.py SOURCES`` where SOURCES holds git checkouts (or
snapshots) named ``clinc+oos-eval``, ``PolyAI-LDN+task-specific-datasets``,
``xliuhw+NLU-Evaluation-Data``, ``IBM+twitter-customer-care-document-prediction`` and
``asappresearch+abcd``, each with a ``repo`` git directory; the output is deterministic.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from shopdesk.bench.nlu.data import NLU_EXTERNAL_SET, normalised_words

TRAIN_DIR = Path(__file__).resolve().parents[1] / "train"

#: CLINC150 (test split only: its train and val splits are the tuning benchmark).
CLINC_INTENTS = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank_you",
    "are_you_a_bot": "bot_challenge",
    "order_status": "order_status",
    "yes": "affirm",
    "no": "deny",
    "cancel": "stop",
}
#: CLINC150 intents that are off-topic for a shop; 10 test messages each.
CLINC_OFF_TOPIC = (
    "weather",
    "tell_joke",
    "fun_fact",
    "translate",
    "calculator",
    "recipe",
    "meaning_of_life",
    "timezone",
    "flip_coin",
    "roll_dice",
    "traffic",
    "book_flight",
    "play_music",
    "definition",
    "spelling",
)
#: BANKING77 test split: only intents whose requests mean the same to a shop.
BANKING_INTENTS = {
    "refund_not_showing_up": "refund_status",
    "transaction_charged_twice": "payment_issue",
    "declined_card_payment": "payment_issue",
    "terminate_account": "account_help",
}
#: HWU64 (KFold_1 test set, as published): answers and off-topic assistant requests.
HWU_INTENTS = {"general_affirm": "affirm", "general_negate": "deny"}
HWU_OFF_TOPIC = (
    "weather_query",
    "qa_factoid",
    "qa_maths",
    "news_query",
    "alarm_set",
    "play_music",
    "calendar_set",
    "transport_ticket",
    "cooking_recipe",
)
HWU_DIR = (
    "CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/"
    "CrossValidation/KFold_1/testset/csv"
)
#: Customers' opening tweets: a rule per shop intent (tweets matching two intents are left out).
TWEET_RULES = {
    "account_help": re.compile(
        r"(forgot|forgotten|reset|change|recover)\w* (my |the |your )?(password|account|email"
        r"|gmail)|(can'?t|cannot|can not|unable to|not able to|won'?t let me) (log|sign)"
        r" ?(in|into)|locked out|log ?in(to)? my account|password reset",
        re.I,
    ),
    "refund_status": re.compile(
        r"(haven'?t|have not|didn'?t|did not|still not|never) (got|get|gotten|received?)"
        r" (my |the |a )?(money )?refund",
        re.I,
    ),
    "order_status": re.compile(
        r"(never|haven'?t|have not|didn'?t|did not) (received?|arrived|got)"
        r" (my |the )?(order|package|parcel|item|textbook)",
        re.I,
    ),
    "cancel_order": re.compile(r"cancel (a |my |the )?(pre-?order|order)", re.I),
    "payment_issue": re.compile(
        r"charged (me )?twice|double charged|still (got )?charged|card (was |got )?declined", re.I
    ),
    "complaint": re.compile(
        r"worst (customer )?service|terrible (customer )?service|disappointed with your service",
        re.I,
    ),
}
#: Tweets a rule matched that read, by hand, as no request of that intent to a shop: game
#: server errors, a note app's password, announcements and stories, a purchase not delivered
#: inside a game.
TWEETS_LEFT_OUT = {
    "1235293306726338560",
    "1238599973484322822",
    "1131210361686781954",
    "1239208473398849536",
    "1242191536869085184",
    "1240857461457711104",
    "1244886209039601668",
    "1232848470144356353",
    "1230036758475071488",
}
#: ABCD sample conversations: the customer's first request, by the conversation's subflow.
ABCD_OPENERS = {"return_size": "return_item", "refund_status": "refund_status"}


def _git_show(repo: Path, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"HEAD:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _clean_tweet(text: str) -> str:
    text = re.sub(r"@\w+", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    return " ".join(text.replace("&amp;", "&").split()).lstrip(" .,-:")


def _clinc(sources: Path) -> list[dict[str, str]]:
    data = json.loads(_git_show(sources / "clinc+oos-eval/repo", "data/data_full.json"))
    rows, off_topic = [], dict.fromkeys(CLINC_OFF_TOPIC, 0)
    for index, (text, intent) in enumerate(data["test"]):
        label = CLINC_INTENTS.get(intent)
        if label is None and intent in off_topic and off_topic[intent] < 10:
            off_topic[intent] += 1
            label = "out_of_scope"
        if label:
            rows.append(_row(text, label, "CLINC150 test", intent, f"test#{index}", text))
    return rows


def _banking(sources: Path) -> list[dict[str, str]]:
    text = _git_show(sources / "PolyAI-LDN+task-specific-datasets/repo", "banking_data/test.csv")
    rows = []
    for index, row in enumerate(csv.DictReader(io.StringIO(text))):
        label = BANKING_INTENTS.get(row["category"].lower())
        if label:
            rows.append(
                _row(row["text"], label, "BANKING77 test", row["category"], f"test#{index}")
            )
    return rows


def _hwu(sources: Path) -> list[dict[str, str]]:
    repo = sources / "xliuhw+NLU-Evaluation-Data/repo"
    rows = []
    for name, label in [*HWU_INTENTS.items(), *((n, "out_of_scope") for n in HWU_OFF_TOPIC)]:
        reader = csv.DictReader(
            io.StringIO(_git_show(repo, f"{HWU_DIR}/{name}.csv")), delimiter=";"
        )
        for count, row in enumerate(reader):
            if label == "out_of_scope" and count >= 10:
                break
            rows.append(
                _row(
                    row["answer_from_user"],
                    label,
                    "HWU64 KFold_1 test",
                    name,
                    row["answerid"],
                )
            )
    return rows


def _tweets(sources: Path) -> list[dict[str, str]]:
    repo = sources / "IBM+twitter-customer-care-document-prediction/repo"
    rows = []
    for split in ("dev", "test"):
        for dialog in json.loads(_git_show(repo, f"{split}.json")):
            first = dialog["dialogContent"][0]
            text = _clean_tweet(first["message"])
            matched = [label for label, rule in TWEET_RULES.items() if rule.search(text)]
            if len(matched) == 1 and len(text) >= 12 and first["tweet_ID"] not in TWEETS_LEFT_OUT:
                company = dialog["dialogHeader"]["company"]
                rows.append(
                    _row(
                        text,
                        matched[0],
                        f"Twitter customer care ({company})",
                        f"rule:{matched[0]}",
                        first["tweet_ID"],
                        first["message"],
                    )
                )
    return rows


def _abcd(sources: Path) -> list[dict[str, str]]:
    repo = sources / "asappresearch+abcd/repo"
    rows = []
    for conversation in json.loads(_git_show(repo, "data/abcd_sample.json")):
        label = ABCD_OPENERS.get(conversation["scenario"]["subflow"])
        turns = [text for speaker, text in conversation["original"] if speaker == "customer"]
        if label and turns:
            rows.append(
                _row(
                    turns[0],
                    label,
                    "ABCD sample",
                    conversation["scenario"]["subflow"],
                    str(conversation["convo_id"]),
                )
            )
    return rows


def _row(
    text: str, label: str, source: str, source_intent: str, source_id: str, original: str = ""
) -> dict[str, str]:
    return {
        "text": text.strip(),
        "label": label,
        "source": source,
        "source_intent": source_intent,
        "source_id": source_id,
        "original": original or text,
    }


def _training_words() -> set[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(TRAIN_DIR))
    return {normalised_words(example.get("text")) for example in data.intent_examples}


def main(sources: Path) -> None:
    """Build the set from the source checkouts under ``sources`` and write it."""
    trained = _training_words()
    seen: set[str] = set()
    kept = []
    for row in [
        *_abcd(sources),
        *_tweets(sources),
        *_banking(sources),
        *_clinc(sources),
        *_hwu(sources),
    ]:
        words = normalised_words(row["text"])
        if not words or words in trained or words in seen:
            continue
        seen.add(words)
        kept.append(row)
    with NLU_EXTERNAL_SET.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(kept[0]))
        writer.writeheader()
        writer.writerows(kept)
    print(f"{len(kept)} requests -> {NLU_EXTERNAL_SET}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"))
