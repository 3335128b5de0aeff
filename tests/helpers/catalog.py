"""A small hand-made catalog (50 products across the demo taxonomy) with known right answers."""

from __future__ import annotations

from datetime import datetime

from storage.catalog import ProductRecord

UPDATED_AT = datetime(2024, 5, 1, 12, 0, 0)
SHOE_SIZES = ("7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12")
APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")

# (id, title, brand, category, description, price, colors, sizes, material, rating, stock, sku code)
# fmt: off
_CATALOG = [
    (1, "Cloudrun 5 Road Running Shoe", "Stridewell", "Shoes > Running Shoes",
     ("A lightweight, cushioned running shoe for daily road miles. The breathable mesh upper "
      "keeps feet cool. Machine washable insoles."), 129.0, ("black", "blue"), SHOE_SIZES, "mesh",
     4.6, 25, "STW-RUN-1001"),
    (2, "Tempo Racer Running Shoe", "Pacer", "Shoes > Running Shoes",
     ("A springy racing flat for tempo runs and race day. Carbon-infused plate for a fast "
      "toe-off."), 99.0, ("red", "white"), SHOE_SIZES, "knit", 4.2, 0, "PCR-RUN-1002"),
    (3, "Trail Blazer Trail Running Shoe", "Trailforge", "Shoes > Running Shoes",
     ("Grippy lugged outsole for muddy trails. Rock plate protects your feet on rough "
      "ground."), 139.0, ("olive", "black"), SHOE_SIZES, "mesh", 4.4, 8, "TRF-RUN-1003"),
    (4, "Summit Waterproof Leather Hiking Boot", "Trailforge", "Shoes > Hiking Boots",
     ("A waterproof full-grain leather boot with ankle support for long hikes. Vibram "
      "outsole."), 179.0, ("brown",), SHOE_SIZES, "leather", 4.7, 12, "TRF-HIK-1004"),
    (5, "Ridge Mid Hiking Boot", "Kestrel", "Shoes > Hiking Boots",
     "A light mid-height hiking boot for day hikes. Padded collar and breathable lining.", 159.0,
     ("gray", "brown"), SHOE_SIZES, "suede", 4.1, 5, "KST-HIK-1005"),
    (6, "Classic Court Sneaker", "Kestrel", "Shoes > Sneakers",
     "A clean leather court sneaker that goes with everything. Cushioned footbed.", 79.0,
     ("white", "black"), SHOE_SIZES, "leather", 4.3, 40, "KST-SNK-1006"),
    (7, "Canvas Low-Top Sneaker", "Pacer", "Shoes > Sneakers",
     "A classic canvas sneaker with a vulcanised rubber sole.", 59.0, ("navy", "white"), SHOE_SIZES,
     "canvas", 4.0, 33, "PCR-SNK-1007"),
    (8, "Beach Slide Sandal", "Stridewell", "Shoes > Sandals",
     "A soft foam slide for the beach and the pool. Dries quickly.", 35.0, ("black",), SHOE_SIZES,
     "EVA foam", 3.9, 60, "STW-SND-1008"),
    (9, "Oxford Leather Dress Shoe", "Kestrel", "Shoes > Dress Shoes",
     "A polished leather oxford for the office and weddings. Leather sole.", 149.0,
     ("brown", "black"), SHOE_SIZES, "leather", 4.5, 9, "KST-DRS-1009"),
    (10, "Organic Cotton Crew T-Shirt", "Everyday Basics", "Apparel > T-Shirts",
     "A soft everyday crew neck tee in organic cotton. Pre-shrunk.", 19.0,
     ("white", "black", "navy", "gray"), APPAREL_SIZES, "organic cotton", 4.4, 120, "EVB-TEE-1010"),
    (11, "Graphic Mountain Tee", "Urban Thread", "Apparel > T-Shirts",
     "A relaxed-fit t-shirt with a screen-printed mountain graphic.", 25.0, ("green", "black"),
     ("S", "M", "L"), "cotton", 4.1, 45, "UTH-TEE-1011"),
    (12, "Pullover Fleece Hoodie", "Loomcraft", "Apparel > Hoodies & Sweatshirts",
     "A brushed fleece hoodie with a kangaroo pocket for chilly evenings.", 55.0, ("gray", "navy"),
     APPAREL_SIZES, "cotton fleece", 4.6, 30, "LMC-HOD-1012"),
    (13, "Insulated Puffer Jacket", "Kestrel", "Apparel > Jackets & Coats",
     "A warm down-alternative puffer jacket for winter. Packs into its own pocket.", 189.0,
     ("black", "olive"), ("S", "M", "L", "XL"), "recycled nylon", 4.8, 14, "KST-JKT-1013"),
    (14, "Lightweight Rain Jacket", "Loomcraft", "Apparel > Jackets & Coats",
     "A packable waterproof shell that keeps you dry in spring showers.", 89.0, ("yellow", "navy"),
     ("S", "M", "L", "XL"), "nylon", 4.2, 0, "LMC-JKT-1014"),
    (15, "Slim Fit Stretch Jeans", "Urban Thread", "Apparel > Jeans & Pants",
     "Slim jeans in stretch denim that move with you.", 69.0, ("blue", "black"), ("S", "M", "L"),
     "denim", 4.0, 22, "UTH-JNS-1015"),
    (16, "Linen Summer Dress", "Loomcraft", "Apparel > Dresses",
     "An airy linen midi dress for hot summer days.", 79.0, ("beige", "white"),
     ("XS", "S", "M", "L"), "linen", 4.5, 11, "LMC-DRS-1016"),
    (17, "Merino Wool Hiking Socks", "Everyday Basics", "Apparel > Socks",
     "Cushioned merino socks that keep feet dry on the trail.", 18.0, ("gray",), ("S/M", "L/XL"),
     "merino wool", 4.7, 80, "EVB-SCK-1017"),
    (18, "NC700 Wireless Noise-Cancelling Headphones", "Voltra", "Electronics > Headphones",
     ("Over-ear headphones with active noise cancelling for flights and commutes. 30-hour "
      "battery."), 249.0, ("black", "silver"), (), "plastic", 4.7, 16, "VLT-HDP-1018"),
    (19, "Buds Pro True Wireless Earbuds", "Sonique", "Electronics > Headphones",
     "Compact earbuds with a charging case and sweat resistance for workouts.", 129.0, ("white",),
     (), "plastic", 4.3, 27, "SNQ-HDP-1019"),
    (20, "Boom Portable Bluetooth Speaker", "Sonique", "Electronics > Speakers",
     "A waterproof portable speaker with deep bass for the beach or the park.", 89.0,
     ("blue", "black"), (), "rubberised plastic", 4.4, 19, "SNQ-SPK-1020"),
    (21, "Smart Speaker Mini", "Lumio", "Electronics > Speakers",
     "A small voice-controlled smart speaker for any room.", 49.0, ("gray",), (), "fabric", 3.8, 50,
     "LUM-SPK-1021"),
    (22, "MagSafe-Compatible Phone Case", "Ampere", "Electronics > Phone Accessories",
     "A slim protective phone case with built-in magnets.", 29.0, ("black", "pink"), (), "silicone",
     4.1, 70, "AMP-CSE-1022"),
    (23, "Pulse GPS Smartwatch", "Voltra", "Electronics > Smartwatches",
     "A fitness smartwatch with GPS, heart-rate tracking and a week of battery life.", 199.0,
     ("black", "silver"), (), "aluminium", 4.5, 10, "VLT-WCH-1023"),
    (24, "Instant Print Camera", "Lumio", "Electronics > Cameras",
     "A fun instant camera that prints credit-card-sized photos in seconds.", 99.0,
     ("pink", "blue"), (), "plastic", 4.2, 13, "LUM-CAM-1024"),
    (25, "65W USB-C Fast Charger", "Ampere", "Electronics > Chargers & Cables",
     "A compact GaN wall charger that fast-charges a laptop and a phone.", 39.0, ("white",), (),
     "plastic", 4.6, 90, "AMP-CHG-1025"),
    (26, "Braided USB-C Cable 2m", "Ampere", "Electronics > Chargers & Cables",
     "A tough braided charging cable, two metres long.", 15.0, ("black",), (), "nylon", 4.4, 150,
     "AMP-CBL-1026"),
    (27, "Pre-Seasoned Cast Iron Skillet 12-inch", "Copperline", "Home & Kitchen > Cookware",
     "A heavy cast iron pan for searing, baking and campfire cooking.", 45.0, ("black",), (),
     "cast iron", 4.8, 35, "CPL-SKL-1027"),
    (28, "Tri-Ply Stainless Steel Saucepan", "Copperline", "Home & Kitchen > Cookware",
     "A 3-quart saucepan with a tight-fitting lid for sauces and grains.", 69.0, ("silver",), (),
     "stainless steel", 4.5, 18, "CPL-SCP-1028"),
    (29, "Pour-Over Coffee Dripper Set", "BrewMaster", "Home & Kitchen > Coffee & Tea",
     "A ceramic dripper with filters for a clean, bright cup of coffee.", 34.0, ("white",), (),
     "ceramic", 4.4, 28, "BRM-DRP-1029"),
    (30, "Programmable 12-Cup Coffee Maker", "BrewMaster", "Home & Kitchen > Kitchen Appliances",
     "A drip coffee machine with a programmable timer and a glass carafe.", 89.0, ("black",), (),
     "plastic", 4.0, 21, "BRM-CMK-1030"),
    (31, "Insulated Stainless Steel Travel Mug", "Hearth & Home", "Home & Kitchen > Coffee & Tea",
     ("A leak-proof travel mug with double-wall vacuum insulation. Keeps drinks hot for 6 "
      "hours and cold for 12. Fits most car cup holders."), 24.0, ("navy", "red", "silver"), (),
     "stainless steel", 4.6, 64, "HNH-MUG-1031"),
    (32, "Electric Gooseneck Kettle", "BrewMaster", "Home & Kitchen > Kitchen Appliances",
     "A precise pour kettle with temperature control for tea and pour-over.", 59.0,
     ("black", "silver"), (), "stainless steel", 4.5, 15, "BRM-KTL-1032"),
    (33, "Bamboo Cooking Utensil Set", "Nestwell", "Home & Kitchen > Kitchen Utensils",
     "Six bamboo spoons and spatulas that are gentle on non-stick pans.", 22.0, ("beige",), (),
     "bamboo", 4.3, 44, "NSW-UTN-1033"),
    (34, "Percale Cotton Sheet Set", "Nestwell", "Home & Kitchen > Bedding",
     "Crisp, cool percale sheets for hot sleepers.", 79.0, ("white", "gray"), ("Queen", "King"),
     "cotton", 4.4, 26, "NSW-SHT-1034"),
    (35, "Ceramic Table Vase", "Hearth & Home", "Home & Kitchen > Home Decor",
     "A matte ceramic vase for fresh or dried flowers.", 32.0, ("white", "green"), (), "ceramic",
     4.2, 17, "HNH-VAS-1035"),
    (36, "Hydrating Hyaluronic Face Serum", "Glow Theory", "Beauty > Skincare",
     "A lightweight serum that plumps and hydrates dry skin.", 28.0, (), (), "", 4.5, 55,
     "GLT-SRM-1036"),
    (37, "Daily Mineral Sunscreen SPF 50", "Lumen Skin", "Beauty > Skincare",
     "A sheer mineral sunscreen that protects against UVA and UVB rays.", 22.0, (), (), "", 4.3, 48,
     "LMS-SPF-1037"),
    (38, "Argan Oil Repair Shampoo", "Pure Petal", "Beauty > Haircare",
     "A gentle shampoo with argan oil for dry, damaged hair.", 16.0, (), (), "", 4.1, 61,
     "PPT-SHP-1038"),
    (39, "Velvet Matte Lipstick", "Glow Theory", "Beauty > Makeup",
     "A long-wearing matte lipstick with a velvety finish.", 18.0, ("red", "pink"), (), "", 4.0, 73,
     "GLT-LIP-1039"),
    (40, "Cedar & Rose Eau de Parfum", "Pure Petal", "Beauty > Fragrance",
     "A warm woody fragrance with notes of cedar and rose.", 65.0, (), (), "", 4.6, 9,
     "PPT-FRG-1040"),
    (41, "Reflective Running Vest", "Pacer", "Sports & Outdoors > Running Gear",
     "A high-visibility vest that keeps you seen on early morning runs.", 35.0,
     ("yellow", "orange"), ("S", "M", "L"), "polyester", 4.2, 20, "PCR-VST-1041"),
    (42, "Two-Person Backpacking Tent", "Summit Gear", "Sports & Outdoors > Camping",
     "A light, freestanding tent for two with a full rain fly.", 229.0, ("green", "orange"), (),
     "ripstop nylon", 4.7, 7, "SMG-TNT-1042"),
    (43, "Non-Slip Yoga Mat 6mm", "Zenflow", "Sports & Outdoors > Yoga & Fitness",
     "A thick, grippy yoga mat that cushions your joints.", 39.0, ("purple", "blue"), (), "TPE",
     4.5, 38, "ZNF-MAT-1043"),
    (44, "Aero Road Cycling Helmet", "Ridgeback", "Sports & Outdoors > Cycling",
     "A ventilated road bike helmet with MIPS protection.", 79.0, ("white", "black"),
     ("S", "M", "L"), "polycarbonate", 4.6, 12, "RDB-HLM-1044"),
    (45, "Insulated Steel Water Bottle 32 oz", "Summit Gear", "Sports & Outdoors > Water Bottles",
     "A rugged bottle for the gym and the trail with a leak-proof lid. Dishwasher safe.", 32.0,
     ("green", "black"), (), "stainless steel", 4.4, 52, "SMG-BTL-1045"),
    (46, "Space Station Building Set", "BrickWorks", "Toys & Games > Building Sets",
     "A 650-piece building set with a rotating solar array and two astronaut figures.", 59.0, (),
     (), "plastic", 4.8, 24, "BRW-SET-1046"),
    (47, "Harbor Traders Strategy Board Game", "Playful Minds", "Toys & Games > Board Games",
     "A trading and strategy game for 2 to 5 players, ages 10 and up.", 39.0, (), (), "cardboard",
     4.4, 31, "PLM-GME-1047"),
    (48, "Mountain Lake 1000-Piece Jigsaw Puzzle", "Playful Minds", "Toys & Games > Puzzles",
     "A 1000-piece jigsaw of an alpine lake at sunrise.", 19.0, (), (), "cardboard", 4.3, 29,
     "PLM-PZL-1048"),
    (49, "Weeknight Vegetarian Cookbook", "Lantern Press", "Books > Cookbooks",
     "One hundred quick vegetarian dinners for busy weeknights.", 28.0, (), (), "paper", 4.6, 40,
     "LNP-CKB-1049"),
    (50, "The Lighthouse Keeper", "Oakleaf Books", "Books > Fiction",
     ("A novel about a lighthouse keeper on a remote island and the storm that changes "
      "everything."), 16.0, (), (), "paper", 4.2, 36, "OAK-FIC-1050"),
]
# fmt: on


COLOR_CODES = {
    "black": "BLK",
    "white": "WHT",
    "gray": "GRY",
    "navy": "NVY",
    "blue": "BLU",
    "red": "RED",
    "green": "GRN",
    "olive": "OLV",
    "beige": "BGE",
    "brown": "BRN",
    "pink": "PNK",
    "purple": "PRP",
    "yellow": "YLW",
    "orange": "ORG",
    "silver": "SLV",
    "gold": "GLD",
}


def _skus(code: str, colors: tuple[str, ...], sizes: tuple[str, ...]) -> tuple[str, ...]:
    """Variant SKUs like STW-RUN-1001-BLK-9: product code, color code, size."""
    skus = []
    for color in colors or ("",):
        for size in sizes or ("",):
            parts = [code, COLOR_CODES.get(color, ""), size.replace("/", "").upper()]
            skus.append("-".join(part for part in parts if part))
    return tuple(skus)


def make_catalog() -> list[ProductRecord]:
    """The test catalog: 50 products across all top-level categories of the demo taxonomy."""
    records = []
    for (
        pid,
        title,
        brand,
        category,
        description,
        price,
        colors,
        sizes,
        material,
        rating,
        stock,
        code,
    ) in _CATALOG:
        records.append(
            ProductRecord(
                product_id=pid,
                handle=title.lower().replace(" ", "-"),
                title=title,
                brand=brand,
                category=category,
                description=description,
                price=price,
                currency="USD",
                colors=colors,
                sizes=sizes,
                material=material or None,
                rating=rating,
                stock=stock,
                skus=_skus(code, colors, sizes),
                image_url=f"https://shop.example.com/images/{pid}.jpg",
                final_sale=pid == 40,
                updated_at=UPDATED_AT,
            )
        )
    return records
