"""Writes ``pii_sample.jsonl``: the labelled messages ``shopdesk bench privacy`` measures on.

Each line is ``{"text": ..., "pii": [[kind, substring], ...], "keep": [substring, ...]}``:
``pii`` lists the personal data a redactor must mask, ``keep`` what must stay readable (order
numbers, SKUs, tracking numbers, ZIP codes, prices). Hand-written support messages come first;
the rest fill support-style templates with values in the formats shoppers use (several phone
and card layouts, street types, units, names with accents and hyphens). The card numbers are
network test numbers or generated ones with a valid check digit; no value is a real person's.
Run it again (``python nlu_data/privacy/build_sample.py``) after editing; the output is
deterministic.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("pii_sample.jsonl")

HAND_WRITTEN: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    ("where is my order 10002?", [], ["10002"]),
    ("my email is alex@example.com", [("EMAIL", "alex@example.com")], []),
    ("alex@example.com", [("EMAIL", "alex@example.com")], []),
    ("94107", [], ["94107"]),
    ("the zip is 10001", [], ["10001"]),
    ("order 10007, zip 60614", [], ["10007", "60614"]),
    ("can I return STR000001-NAV-10?", [], ["STR000001-NAV-10"]),
    ("tracking says 1Z4F8A2E0391847522 is stuck", [], ["1Z4F8A2E0391847522"]),
    ("FedEx tracking 781234567890 hasn't moved", [], ["781234567890"]),
    (
        "USPS 9400111899223847561234 shows delivered but nothing here",
        [],
        ["9400111899223847561234"],
    ),
    ("is the Stridewell Tempo 3 under $100?", [], ["$100"]),
    ("I paid $129.99 for order 10003 and want a refund", [], ["$129.99", "10003"]),
    ("do you have SON000012-BLA in stock?", [], ["SON000012-BLA"]),
    ("I want 2 pairs of the Trail runners in size 10", [], []),
    ("the 3 Way charger cable broke", [], []),
    (
        "Hi, this is Priya Patel, my order 10004 arrived damaged",
        [("NAME", "Priya Patel")],
        ["10004"],
    ),
    ("my name is Jordan Lee and I need to change my address", [("NAME", "Jordan Lee")], []),
    (
        "Alex Morgan, 500 Howard St, San Francisco, CA 94105",
        [("NAME", "Alex Morgan"), ("ADDRESS", "500 Howard St")],
        ["94105"],
    ),
    (
        "please ship to 221 Baker Street, Apt 2B, Boston, MA 02115",
        [("ADDRESS", "221 Baker Street, Apt 2B")],
        ["02115"],
    ),
    ("card 4111 1111 1111 1111 was charged twice", [("CARD", "4111 1111 1111 1111")], []),
    ("I used 5555555555554444 for order 10005", [("CARD", "5555555555554444")], ["10005"]),
    ("amex 3782 822463 10005 declined", [("CARD", "3782 822463 10005")], []),
    ("call me at (415) 555-0134", [("PHONE", "(415) 555-0134")], []),
    ("my number is +44 20 7946 0958", [("PHONE", "+44 20 7946 0958")], []),
    ("text me on 4155550199 when it ships", [("PHONE", "4155550199")], []),
    (
        "order number 10012 and the 10 digit code 1234567890 on the label",
        [],
        ["10012", "1234567890"],
    ),
    ("I was charged 4 times for 1 item", [], []),
    ("rated 5 stars, thanks!", [], []),
    ("shipping to PO Box 4471, Austin TX 78701", [("ADDRESS", "PO Box 4471")], ["78701"]),
    ("the invoice INV-2024-000183 is wrong", [], ["INV-2024-000183"]),
    ("RMA-10002-1 status?", [], ["RMA-10002-1"]),
    (
        "my phone is 415.555.0172 and email sam.lee+shop@gmail.com",
        [("PHONE", "415.555.0172"), ("EMAIL", "sam.lee+shop@gmail.com")],
        [],
    ),
    ("is 1600 mAh enough for the headphones?", [], []),
    ("do the boots come in size 9.5 or 10.5?", [], []),
    ("I need it by 12/24", [], []),
    ("I'm looking for a rain jacket under $80", [], ["$80"]),
    ("I'm interested in the yoga mat", [], []),
    ("Thanks, Maria", [("NAME", "Maria")], []),
    (
        "it was delivered to 12 Oak Lane but I moved to 48 Elm Court, Denver, CO 80203",
        [("ADDRESS", "12 Oak Lane"), ("ADDRESS", "48 Elm Court")],
        ["80203"],
    ),
    (
        "zip 94107 email alex@example.com order 10002",
        [("EMAIL", "alex@example.com")],
        ["94107", "10002"],
    ),
    ("my card ending 4242 was declined", [], ["4242"]),
    ("the headphones cost 79.99 and the cable 12.99", [], ["79.99", "12.99"]),
    ("I ordered 3 BRE000040-WHI mugs", [], ["BRE000040-WHI"]),
    ("can you call 1-800-555-0199 for me", [("PHONE", "1-800-555-0199")], []),
    ("reach me at 020 7946 0018 please", [("PHONE", "020 7946 0018")], []),
    ("contact: jane_doe99@mail.co.uk", [("EMAIL", "jane_doe99@mail.co.uk")], []),
    ("email me at Kate.ONeil@Example.ORG", [("EMAIL", "Kate.ONeil@Example.ORG")], []),
    ("Visa 4012888888881881 exp 12/27", [("CARD", "4012888888881881")], []),
    ("order 99999 does not exist?", [], ["99999"]),
    ("what's the status of 10011", [], ["10011"]),
    ("2 x ZEN000058-PUR please", [], ["ZEN000058-PUR"]),
    (
        "returns go to 700 Warehouse Way, Reno, NV 89502 right?",
        [("ADDRESS", "700 Warehouse Way")],
        ["89502"],
    ),
    (
        "my address is 77 Massachusetts Ave, Cambridge MA 02139",
        [("ADDRESS", "77 Massachusetts Ave")],
        ["02139"],
    ),
    (
        "new address: 1600 Pennsylvania Ave NW, Washington, DC 20500",
        [("ADDRESS", "1600 Pennsylvania Ave NW")],
        ["20500"],
    ),
    ("My name is José Álvarez-Ruiz", [("NAME", "José Álvarez-Ruiz")], []),
    ("name: Chen Wei", [("NAME", "Chen Wei")], []),
    ("I ordered on 2024-05-17 and paid 59.00", [], ["2024-05-17"]),
    ("the parcel weighs 2.5 kg", [], []),
    ("is it 100% cotton?", [], []),
    ("my email is alex at example dot com", [("EMAIL", "alex at example dot com")], []),
    ("card: 4111111111111112", [], []),
    ("5105 1051 0510 5100 is my mastercard", [("CARD", "5105 1051 0510 5100")], []),
    ("discover 6011 1111 1111 1117", [("CARD", "6011 1111 1111 1117")], []),
    ("call 555-0134 after 5pm", [("PHONE", "555-0134")], []),
    ("+1 (415) 555-0134 is my cell", [("PHONE", "+1 (415) 555-0134")], []),
    ("office line 415-555-0134 ext 22", [("PHONE", "415-555-0134 ext 22")], []),
    ("I'm at 12 rue de Rivoli, Paris", [("ADDRESS", "12 rue de Rivoli")], []),
    ("Hauptstraße 5, 10115 Berlin", [("ADDRESS", "Hauptstraße 5")], ["10115"]),
    ("500 howard st, sf", [("ADDRESS", "500 howard st")], []),
    ("I live 5 minutes from the store", [], []),
    ("the 12 Days of Christmas mug", [], []),
    ("Size 10 Wide please", [], []),
    ("order #10002 please", [], ["10002"]),
    ("This is Stridewell Tempo 3 right?", [], []),
    ("I'm Alex", [("NAME", "Alex")], []),
    ("this is alex morgan", [("NAME", "alex morgan")], []),
    ("Call me Ishmael", [("NAME", "Ishmael")], []),
    ("gift card 6035 2100 1234 5678 balance?", [], []),
    ("Is the Kestrel Storm Rain Jacket waterproof?", [], []),
    ("my order 10009 went to the wrong Main St", [], ["10009"]),
    ("tracking 1Z999AA10123456784", [], ["1Z999AA10123456784"]),
    ("tracking number 4111111111111111111111", [], ["4111111111111111111111"]),
    ("I called 3 times", [], []),
    ("the order total was $1,249.00", [], ["$1,249.00"]),
    ("it came in 2 boxes, 14 x 10 x 4 inches", [], []),
    ("please refund to my card ending in 1881", [], ["1881"]),
    ("my phone 07700 900123 is UK", [("PHONE", "07700 900123")], []),
    ("whatsapp +5511987654321", [("PHONE", "+5511987654321")], []),
    (
        "Deliver to Sam Lee, 45 W 34th St, New York, NY 10001",
        [("NAME", "Sam Lee"), ("ADDRESS", "45 W 34th St")],
        ["10001"],
    ),
    ("the address is 3 Market Place", [("ADDRESS", "3 Market Place")], []),
    ("I ordered the 2 Park Ave tees", [], []),
    ("SKU VOL000013-BLA, qty 2, $12.99", [], ["VOL000013-BLA", "$12.99"]),
    ("Regards, Hannah Kim", [("NAME", "Hannah Kim")], []),
    ("Welcome back, Alex! Order 10002 is on its way.", [("NAME", "Alex")], ["10002"]),
    ("Hi Sam! What can I do for you?", [("NAME", "Sam")], []),
    ("Hello there, do you sell gift cards?", [], []),
    ("Hi! Is the Zenflow Align Yoga Mat non-slip?", [], []),
]

FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Jordan",
    "Maria",
    "Chen",
    "Fatima",
    "Liam",
    "Noah",
    "Olivia",
    "Mateo",
    "Aiko",
    "Zoë",
    "Kwame",
    "Ingrid",
    "Omar",
    "Sofia",
    "Hannah",
    "Diego",
    "Anna",
]
LAST = [
    "Morgan",
    "Lee",
    "Patel",
    "Garcia",
    "Nguyen",
    "Okafor",
    "Schmidt",
    "O'Brien",
    "Kowalski",
    "Rossi",
    "Smith-Jones",
    "Haddad",
    "Tanaka",
    "Dubois",
    "Andersson",
    "Silva",
    "Kim",
]
STREETS = [
    "Howard",
    "Main",
    "Oak",
    "Maple",
    "Pine",
    "Cedar",
    "Elm",
    "Mission",
    "Market",
    "Sunset",
    "Lakeview",
    "Hillcrest",
    "Washington",
    "Park",
    "Church",
    "Valencia",
    "Martin Luther King Jr",
    "Old Mill",
    "St. Charles",
]
SUFFIXES = [
    "St",
    "Street",
    "Ave",
    "Avenue",
    "Rd",
    "Road",
    "Blvd",
    "Dr",
    "Drive",
    "Ln",
    "Lane",
    "Way",
    "Ct",
    "Court",
    "Pl",
    "Terrace",
    "Pkwy",
    "Circle",
    "St.",
    "Ave.",
]
UNITS = ["", "", "", ", Apt 4", " Apt 12B", ", Suite 300", " #5", ", Unit 7"]
CITIES = [
    ("San Francisco", "CA", "94105"),
    ("Brooklyn", "NY", "11201"),
    ("Chicago", "IL", "60614"),
    ("Austin", "TX", "78701"),
    ("Seattle", "WA", "98101"),
    ("Denver", "CO", "80203"),
    ("Boston", "MA", "02115"),
    ("Miami", "FL", "33101"),
]
DOMAINS = [
    "example.com",
    "gmail.com",
    "yahoo.co.uk",
    "mail.example.org",
    "outlook.de",
    "shop-mail.net",
    "proton.me",
    "uni.edu",
]
SKUS = [
    "STR000001-NAV-10",
    "SON000012-BLA",
    "VOL000013-BLA",
    "LOO000020-WHI-M",
    "KES000031-OLI-M",
    "TRA000044-BRO-9",
    "ZEN000058-PUR",
    "BRE000040-WHI",
]
CARD_PREFIXES = [
    ("4", 16),
    ("4", 16),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("3530", 16),
    ("4", 13),
    ("62", 16),
]


def luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    """A number of ``length`` digits starting with ``prefix`` whose check digit is valid."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def grouped(number: str, rng: random.Random) -> str:
    style = rng.choice(["plain", "space", "dash", "space"])
    if style == "plain":
        return number
    sep = " " if style == "space" else "-"
    if len(number) == 15:
        return sep.join([number[:4], number[4:10], number[10:]])
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def phone(rng: random.Random) -> str:
    area, mid, end = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice(
        [
            f"({area}) {mid}-{end:04d}",
            f"{area}-{mid}-{end:04d}",
            f"{area}.{mid}.{end:04d}",
            f"+1 {area} {mid} {end:04d}",
            f"+1-{area}-{mid}-{end:04d}",
            f"{area} {mid} {end:04d}",
            f"+44 20 {rng.randint(7000, 8999)} {end:04d}",
            f"+49 30 {rng.randint(1000000, 9999999)}",
            f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            f"1-{area}-{mid}-{end:04d}",
        ]
    )


def tracking(rng: random.Random) -> str:
    kind = rng.choice(["ups", "fedex", "usps"])
    if kind == "ups":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    return "".join(rng.choice("0123456789") for _ in range(12 if kind == "fedex" else 22))


def keep(template: str, order: str) -> list[str]:
    return [order] if "{o}" in template else []


def generated(rng: random.Random) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    rows = []
    for _ in range(70):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = (
            rng.choice(
                [
                    f"{first}.{last}",
                    f"{first[0]}{last}",
                    f"{first}{rng.randint(1, 99)}",
                    f"{first}_{last}+orders",
                ]
            )
            .lower()
            .replace("'", "")
        )
        email = f"{email}@{rng.choice(DOMAINS)}".replace("ö", "o").replace("ë", "e")
        order = str(rng.randint(10001, 10999))
        template = rng.choice(
            [
                "my email is {e}",
                "{e}",
                "it's {e}",
                "order {o}, email {e}",
                "the email on order {o} is {e}",
                "Email: {e}. Order {o}.",
                "use {e} please",
                "I ordered with {e} but never got a confirmation",
                "can you send it to {e}?",
            ]
        )
        rows.append((template.format(e=email, o=order), [("EMAIL", email)], keep(template, order)))
    for _ in range(55):
        prefix, length = rng.choice(CARD_PREFIXES)
        card = grouped(luhn_number(rng, prefix, length), rng)
        order = str(rng.randint(10001, 10999))
        template = rng.choice(
            [
                "my card number is {c}",
                "I paid with {c} for order {o}",
                "card {c} was charged twice",
                "can you refund to {c}?",
                "{c}",
                "the charge on {c} is wrong, order {o}",
                "here is my card: {c} exp 09/28 cvv 123",
                "I want to pay with {c}",
            ]
        )
        rows.append((template.format(c=card, o=order), [("CARD", card)], keep(template, order)))
    for _ in range(55):
        number = phone(rng)
        order = str(rng.randint(10001, 10999))
        template = rng.choice(
            [
                "call me at {p}",
                "my phone number is {p}",
                "{p}",
                "you can reach me on {p}",
                "text {p} when order {o} ships",
                "the courier should call {p}",
                "phone: {p}",
                "my cell is {p}, order {o}",
            ]
        )
        rows.append(
            (template.format(p=number, o=order), [("PHONE", number)], keep(template, order))
        )
    for _ in range(55):
        street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
        street += rng.choice(UNITS)
        city, region, zip_code = rng.choice(CITIES)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        order = str(rng.randint(10001, 10999))
        choice = rng.randrange(6)
        if choice == 0:
            text = f"{name}, {street}, {city}, {region} {zip_code}"
            pii = [("NAME", name), ("ADDRESS", street)]
        elif choice == 1:
            text = f"{street}, {city}, {region} {zip_code}"
            pii = [("ADDRESS", street)]
        elif choice == 2:
            text = f"please change the address on {order} to {street}, {city} {region} {zip_code}"
            pii = [("ADDRESS", street)]
        elif choice == 3:
            text = f"I live at {street} in {city}"
            pii = [("ADDRESS", street)]
        elif choice == 4:
            text = f"ship order {order} to {street} {city} {region} {zip_code} please"
            pii = [("ADDRESS", street)]
        else:
            text = f"my new address is {street}, {city}, {region} {zip_code}"
            pii = [("ADDRESS", street)]
        rows.append((text, pii, [v for v in (order, zip_code) if v in text]))
    for _ in range(25):
        name = rng.choice([rng.choice(FIRST), f"{rng.choice(FIRST)} {rng.choice(LAST)}"])
        template = rng.choice(
            [
                "my name is {n}",
                "Hi, this is {n}. Where is order {o}?",
                "I'm {n}, order {o}",
                "name: {n}",
                "Thanks, {n}",
                "the order is under the name {n}",
            ]
        )
        order = str(rng.randint(10001, 10999))
        rows.append((template.format(n=name, o=order), [("NAME", name)], keep(template, order)))
    for _ in range(60):
        order, sku, track = str(rng.randint(10001, 10999)), rng.choice(SKUS), tracking(rng)
        price = f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}"
        city, region, zip_code = rng.choice(CITIES)
        template = rng.choice(
            [
                ("where is order {o}?", [order]),
                ("tracking {t} says delivered", [track]),
                ("is {s} back in stock?", [sku]),
                ("I was charged {p} for {o}", [price, order]),
                ("the zip code is {z}", [zip_code]),
                ("order {o}, zip {z}", [order, zip_code]),
                ("return {s} from order {o}", [sku, order]),
                ("{t}", [track]),
                ("my parcel {t} is late, order {o}", [track, order]),
                ("do you ship to {c} {r} {z}?", [zip_code]),
                ("{o}", [order]),
                ("I need 2 of {s} at {p}", [sku, price]),
                ("{z}", [zip_code]),
                ("what does {o} cost with shipping to {z}", [order, zip_code]),
            ]
        )
        text = template[0].format(o=order, s=sku, t=track, p=price, z=zip_code, c=city, r=region)
        rows.append((text, [], template[1]))
    return rows


def main() -> None:
    rng = random.Random(20)
    rows = HAND_WRITTEN + generated(rng)
    with OUT.open("w", encoding="utf-8") as out:
        for text, pii, keep in rows:
            for _, value in pii:
                assert value in text, (text, value)
            for value in keep:
                assert value in text, (text, value)
            record = {"text": text, "pii": [list(p) for p in pii], "keep": keep}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(rows)} messages -> {OUT}")


if __name__ == "__main__":
    main()
