"""Vocabulary of the demo store: categories, brands, product types, contract products, names.

Pure data read by :mod:`storage.demo_store`; it follows the shared taxonomy of the
project (docs/demo-data.md). Descriptions are assembled from a product type's purpose,
a material and two features, so each subcategory reads differently and semantic search
has real words to match (a coffee mug talks about coffee and tea, a thermos about keeping
drinks hot).
"""

from __future__ import annotations

from dataclasses import dataclass

COLORS = (
    "black", "white", "gray", "navy", "blue", "red", "green", "olive",
    "beige", "brown", "pink", "purple", "yellow", "orange", "silver", "gold",
)  # fmt: skip
APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SHOE_SIZES = tuple(f"{half / 2:g}" for half in range(12, 27))  # "6", "6.5", ... "13"
SOCK_SIZES = ("S/M", "L/XL")
SIZE_RUNS = {"apparel": APPAREL_SIZES, "shoes": SHOE_SIZES, "socks": SOCK_SIZES, "none": ()}


@dataclass(frozen=True)
class ProductType:
    """A kind of product (``"Running Shoe"``) and the sentence telling what it is for."""

    name: str
    purpose: str
    sizes: str | None = None  # overrides the subcategory's size run


@dataclass(frozen=True)
class Subcategory:
    """Everything needed to invent realistic products of one subcategory."""

    path: str
    brands: tuple[str, ...]
    types: tuple[ProductType, ...]
    price: tuple[float, float, float]  # low, most common, high (triangular distribution)
    materials: tuple[str, ...]
    features: tuple[str, ...]
    colors: tuple[str, ...] = ()
    sizes: str = "none"
    brand_in_title: bool = True
    #: Sentence naming the material and one feature; ``{material}`` and ``{feature}`` are filled in.
    material_sentence: str = "Made of {material}, it {feature}."


def _types(*pairs: tuple[str, str] | tuple[str, str, str]) -> tuple[ProductType, ...]:
    return tuple(ProductType(*pair) for pair in pairs)


APPAREL = ("Loomcraft", "Urban Thread", "Kestrel", "Everyday Basics")
SHOES = ("Stridewell", "Trailforge", "Kestrel", "Pacer")
ELECTRONICS = ("Voltra", "Sonique", "Lumio", "Ampere")
HOME = ("Hearth & Home", "BrewMaster", "Copperline", "Nestwell")
BEAUTY = ("Glow Theory", "Pure Petal", "Lumen Skin")
SPORTS = ("Summit Gear", "Pacer", "Zenflow", "Ridgeback")
TOYS = ("BrickWorks", "Playful Minds", "Tiny Tales")
BOOKS = ("Lantern Press", "Oakleaf Books", "Maple Street Press")

WEARABLE = (
    "black",
    "white",
    "gray",
    "navy",
    "blue",
    "red",
    "green",
    "olive",
    "beige",
    "brown",
    "pink",
    "purple",
)
GADGET = ("black", "white", "silver", "gray", "blue", "gold")
HOMEWARE = ("white", "black", "gray", "beige", "blue", "green", "red", "silver")
BRIGHT = ("red", "blue", "green", "yellow", "orange", "purple", "pink")

# fmt: off
SUBCATEGORIES: tuple[Subcategory, ...] = (
    Subcategory(
        path="Apparel > T-Shirts",
        brands=APPAREL,
        types=_types(
            ("T-Shirt", "an everyday tee for layering or wearing on its own on warm days"),
            ("V-Neck Tee", "a soft v-neck t-shirt that works for the office and the weekend"),
            ("Long Sleeve Tee", "a long sleeve t-shirt for cool mornings and layering"),
            ("Graphic Tee", "a casual graphic t-shirt with a printed design"),
        ),
        price=(9, 22, 45),
        materials=("100% cotton", "organic cotton", "cotton-modal blend", "recycled polyester"),
        features=(
            "keeps its shape wash after wash", "has a tagless collar that does not itch",
            "is pre-shrunk so it keeps its size", "has a relaxed fit through the body",
        ),
        colors=WEARABLE,
        sizes="apparel",
    ),
    Subcategory(
        path="Apparel > Hoodies & Sweatshirts",
        brands=APPAREL,
        types=_types(
            ("Pullover Hoodie", "a warm hoodie for chilly evenings, travel and lounging at home"),
            ("Zip Hoodie", "a full-zip hooded sweatshirt that is easy to layer over a tee"),
            ("Crewneck Sweatshirt", "a cozy crewneck sweatshirt for cold days"),
        ),
        price=(29, 49, 89),
        materials=("brushed fleece", "cotton-polyester fleece", "organic cotton French terry"),
        features=(
            "has a kangaroo pocket to keep your hands warm",
            "has ribbed cuffs and hem that hold their shape", "is brushed inside for extra warmth",
            "has a lined hood with drawcords",
        ),
        colors=WEARABLE,
        sizes="apparel",
    ),
    Subcategory(
        path="Apparel > Jackets & Coats",
        brands=APPAREL,
        types=_types(
            ("Rain Jacket", "a waterproof rain jacket that keeps you dry in wet weather"),
            ("Puffer Jacket", "an insulated puffer jacket that keeps you warm in winter"),
            ("Denim Jacket", "a classic denim jacket for spring and autumn"),
            ("Wool Coat", "a tailored wool coat for cold city days"),
            ("Windbreaker", "a lightweight windbreaker for breezy walks and runs"),
        ),
        price=(45, 110, 260),
        materials=("recycled nylon", "waterproof polyester shell", "wool blend", "cotton denim"),
        features=(
            "has taped seams and a water-repellent finish", "packs into its own pocket for travel",
            "has zippered hand pockets", "has an adjustable hood", "is windproof and breathable",
        ),
        colors=WEARABLE,
        sizes="apparel",
    ),
    Subcategory(
        path="Apparel > Jeans & Pants",
        brands=APPAREL,
        types=_types(
            ("Slim Jeans", "slim-fit jeans for everyday wear"),
            ("Straight Jeans", "straight-leg jeans with a classic five-pocket design"),
            ("Chino Pants", "smart chino pants for work and weekends"),
            ("Jogger Pants", "comfortable joggers for lounging, travel and light workouts"),
        ),
        price=(29, 59, 120),
        materials=(
            "stretch cotton denim", "cotton twill", "organic cotton", "cotton-elastane blend",
        ),
        features=(
            "has a bit of stretch for easy movement", "has reinforced pockets",
            "keeps its color wash after wash", "has an elastic waistband with drawcord",
        ),
        colors=("blue", "black", "gray", "navy", "beige", "olive", "brown"),
        sizes="apparel",
    ),
    Subcategory(
        path="Apparel > Dresses",
        brands=APPAREL,
        types=_types(
            ("Wrap Dress", "a flattering wrap dress for work, dinners and weddings"),
            ("Summer Dress", "a light, airy dress for hot summer days"),
            ("Shirt Dress", "a button-front shirt dress that goes from desk to dinner"),
            ("Knit Dress", "a soft knit dress for cooler days"),
        ),
        price=(35, 69, 150),
        materials=("viscose", "linen blend", "cotton poplin", "stretch jersey"),
        features=(
            "has pockets in the side seams", "has an adjustable waist tie", "is fully lined",
            "drapes softly and does not wrinkle easily",
        ),
        colors=WEARABLE,
        sizes="apparel",
    ),
    Subcategory(
        path="Apparel > Socks",
        brands=APPAREL,
        types=_types(
            ("Crew Socks 3-Pack", "everyday crew socks, three pairs per pack"),
            ("Ankle Socks 5-Pack", "low-cut ankle socks for sneakers, five pairs per pack"),
            ("Wool Hiking Socks", "cushioned wool socks for hiking and cold days"),
            ("Running Socks", "breathable socks that keep feet dry on runs"),
        ),
        price=(8, 14, 28),
        materials=("combed cotton", "merino wool blend", "recycled polyester blend"),
        features=(
            "has a cushioned sole", "has a reinforced heel and toe",
            "wicks moisture to prevent blisters", "stays up without slipping",
        ),
        colors=WEARABLE,
        sizes="socks",
    ),
    Subcategory(
        path="Shoes > Running Shoes",
        brands=SHOES,
        types=_types(
            ("Running Shoe", "a running shoe for daily training runs, tempo workouts and race day"),
            ("Trail Running Shoe", "a grippy trail running shoe for dirt paths and rocky trails"),
            ("Road Racing Shoe", "a lightweight racing shoe for fast road races"),
            ("Stability Running Shoe", "a supportive running shoe for runners who overpronate"),
        ),
        price=(50, 85, 180),
        materials=("engineered mesh", "knit upper with foam midsole", "recycled mesh"),
        features=(
            "has a cushioned foam midsole that absorbs impact",
            "has a breathable upper that keeps feet cool", "has a rubber outsole with strong grip",
            "weighs under 9 ounces", "has reflective details for running at night",
        ),
        colors=(
            "black", "white", "gray", "navy", "blue", "red", "green", "orange", "pink", "purple",
            "yellow",
        ),
        sizes="shoes",
    ),
    Subcategory(
        path="Shoes > Hiking Boots",
        brands=SHOES,
        types=_types(
            ("Hiking Boot", "a sturdy hiking boot for day hikes and multi-day treks"),
            (
                "Waterproof Hiking Boot",
                "a waterproof boot that keeps feet dry on wet, muddy trails",
            ),
            ("Hiking Shoe", "a low-cut hiking shoe for fast hikes on rough terrain"),
        ),
        price=(70, 130, 240),
        materials=("full-grain leather", "suede and mesh", "waterproof nubuck leather"),
        features=(
            "has a waterproof, breathable membrane",
            "has a lugged outsole for grip on rocks and mud", "supports the ankle on uneven ground",
            "has a padded collar and tongue",
        ),
        colors=("brown", "gray", "black", "olive", "beige"),
        sizes="shoes",
    ),
    Subcategory(
        path="Shoes > Sneakers",
        brands=SHOES,
        types=_types(
            ("Sneaker", "an everyday sneaker for walking around town"),
            ("Canvas Sneaker", "a classic canvas sneaker that goes with jeans and shorts"),
            ("Leather Sneaker", "a clean leather sneaker that dresses up or down"),
            ("Slip-On Sneaker", "an easy slip-on sneaker for busy days"),
        ),
        price=(40, 75, 150),
        materials=("canvas", "leather", "suede", "knit textile"),
        features=(
            "has a cushioned insole for all-day comfort", "has a durable rubber cupsole",
            "is easy to clean", "has a padded heel collar",
        ),
        colors=("white", "black", "gray", "navy", "red", "green", "beige"),
        sizes="shoes",
    ),
    Subcategory(
        path="Shoes > Sandals",
        brands=SHOES,
        types=_types(
            ("Sandal", "a comfortable sandal for summer days and the beach"),
            ("Slide Sandal", "an easy slide for the pool, the beach and after workouts"),
            ("Hiking Sandal", "a strappy sandal for river crossings and summer hikes"),
        ),
        price=(25, 45, 110),
        materials=("leather", "recycled rubber", "webbing and EVA foam"),
        features=(
            "has adjustable straps", "has a contoured footbed", "dries quickly after getting wet",
            "has a grippy outsole",
        ),
        colors=("black", "brown", "beige", "navy", "white", "olive"),
        sizes="shoes",
    ),
    Subcategory(
        path="Shoes > Dress Shoes",
        brands=SHOES,
        types=_types(
            ("Oxford Shoe", "a polished oxford for the office, weddings and formal events"),
            ("Loafer", "a smart loafer that slips on easily"),
            ("Derby Shoe", "a versatile derby shoe for work and dinners out"),
            ("Chelsea Boot", "a sleek chelsea boot that pairs with suits and jeans"),
        ),
        price=(70, 120, 260),
        materials=("full-grain leather", "suede", "patent leather"),
        features=(
            "has a leather lining", "has a cushioned insole for long days", "can be resoled",
            "has a stacked heel",
        ),
        colors=("black", "brown", "navy", "gray"),
        sizes="shoes",
    ),
    Subcategory(
        path="Electronics > Headphones",
        brands=ELECTRONICS,
        types=_types(
            ("Wireless Headphones", "over-ear bluetooth headphones for music, calls and travel"),
            (
                "Noise Cancelling Headphones",
                "headphones with active noise cancelling for flights and open offices",
            ),
            ("Wireless Earbuds", "true wireless earbuds for commuting and workouts"),
            ("Sport Earbuds", "sweat-resistant earbuds that stay put during runs and workouts"),
        ),
        price=(25, 89, 350),
        materials=("aluminum and memory foam", "recycled plastic", "silicone and ABS plastic"),
        features=(
            "plays for up to 30 hours on a charge", "has a built-in microphone for calls",
            "pairs over Bluetooth 5.3", "charges over USB-C", "folds flat for travel",
        ),
        colors=GADGET,
    ),
    Subcategory(
        path="Electronics > Speakers",
        brands=ELECTRONICS,
        types=_types(
            (
                "Bluetooth Speaker",
                "a portable bluetooth speaker for the park, the beach and parties",
            ),
            ("Smart Speaker", "a voice-controlled smart speaker for music, news and timers"),
            ("Bookshelf Speakers", "a pair of bookshelf speakers for rich sound at home"),
            ("Soundbar", "a soundbar that makes TV dialogue clear and movies exciting"),
        ),
        price=(29, 99, 400),
        materials=("aluminum", "fabric-wrapped plastic", "wood veneer"),
        features=(
            "is waterproof (IPX7)", "plays for up to 20 hours on a charge", "has deep, punchy bass",
            "can pair with a second speaker for stereo sound",
        ),
        colors=GADGET,
    ),
    Subcategory(
        path="Electronics > Phone Accessories",
        brands=ELECTRONICS,
        types=_types(
            ("Phone Case", "a protective phone case that guards against drops and scratches"),
            ("Screen Protector", "a tempered glass screen protector"),
            ("Phone Stand", "an adjustable phone stand for video calls and recipes"),
            ("Car Phone Mount", "a car mount that holds your phone for navigation"),
            ("Power Bank", "a portable power bank that charges your phone on the go"),
        ),
        price=(9, 22, 70),
        materials=("silicone", "tempered glass", "aluminum", "recycled plastic"),
        features=(
            "has raised edges to protect the camera", "works with wireless charging",
            "installs in seconds", "fits in a pocket",
        ),
        colors=GADGET,
    ),
    Subcategory(
        path="Electronics > Smartwatches",
        brands=ELECTRONICS,
        types=_types(
            ("Smartwatch", "a smartwatch that shows notifications and tracks your day"),
            ("Fitness Tracker", "a slim fitness tracker that counts steps, sleep and heart rate"),
            ("GPS Sports Watch", "a GPS watch for running, cycling and swimming"),
        ),
        price=(49, 149, 450),
        materials=("aluminum case with silicone band", "stainless steel", "polymer case"),
        features=(
            "tracks heart rate and sleep", "has built-in GPS", "is water resistant to 50 meters",
            "lasts up to a week on a charge",
        ),
        colors=GADGET,
    ),
    Subcategory(
        path="Electronics > Cameras",
        brands=ELECTRONICS,
        types=_types(
            ("Mirrorless Camera", "a compact mirrorless camera for travel and everyday photos"),
            ("Action Camera", "a rugged action camera for biking, surfing and skiing"),
            ("Instant Camera", "an instant camera that prints photos on the spot"),
            ("Security Camera", "a wifi security camera to keep an eye on your home"),
        ),
        price=(59, 249, 900),
        materials=("magnesium alloy", "polycarbonate", "aluminum"),
        features=(
            "records 4K video", "has image stabilization", "is waterproof without a case",
            "connects to your phone over wifi",
        ),
        colors=GADGET,
    ),
    Subcategory(
        path="Electronics > Chargers & Cables",
        brands=ELECTRONICS,
        types=_types(
            ("USB-C Charging Cable", "a USB-C charging and data cable"),
            ("Wall Charger", "a fast wall charger for phones, tablets and laptops"),
            ("Wireless Charging Pad", "a wireless charging pad for phones and earbuds"),
            ("Lightning Cable", "a lightning cable for charging iPhones"),
            ("Charging Station", "a charging station that charges several devices at once"),
        ),
        price=(9, 19, 60),
        materials=("braided nylon", "aluminum and silicone", "recycled plastic"),
        features=(
            "supports fast charging", "has a braided jacket that resists tangles",
            "is certified for safety", "comes with a 2-year warranty",
        ),
        colors=("black", "white", "gray", "blue"),
    ),
    Subcategory(
        path="Home & Kitchen > Cookware",
        brands=HOME,
        types=_types(
            (
                "Nonstick Frying Pan",
                "a nonstick frying pan for eggs, pancakes and everyday cooking",
            ),
            ("Cast Iron Skillet", "a cast iron skillet for searing steaks and baking cornbread"),
            ("Stainless Steel Saucepan", "a saucepan for sauces, soups and boiling pasta"),
            ("Dutch Oven", "an enameled dutch oven for stews, braises and bread"),
            ("Cookware Set", "a complete set of pots and pans for a new kitchen"),
        ),
        price=(25, 59, 300),
        materials=(
            "tri-ply stainless steel", "cast iron", "hard-anodized aluminum", "enameled cast iron",
        ),
        features=(
            "heats evenly without hot spots", "works on gas, electric and induction cooktops",
            "is oven safe to 500°F", "is dishwasher safe", "has a stay-cool handle",
        ),
        colors=("black", "silver", "red", "blue", "gray"),
    ),
    Subcategory(
        path="Home & Kitchen > Coffee & Tea",
        brands=HOME,
        types=_types(
            ("Coffee Mug", "a ceramic mug for your morning coffee or an afternoon cup of tea"),
            (
                "Travel Mug",
                "a spill-proof travel mug that keeps coffee and tea hot on your commute",
            ),
            (
                "Insulated Thermos",
                "a vacuum-insulated thermos that keeps drinks hot for 12 hours and cold for 24",
            ),
            ("French Press", "a french press that brews rich, full-bodied coffee"),
            ("Pour-Over Coffee Maker", "a pour-over coffee dripper for a clean, bright cup"),
            ("Tea Kettle", "a stovetop kettle that whistles when the water for your tea is ready"),
            ("Teapot with Infuser", "a teapot with a removable infuser for loose leaf tea"),
        ),
        price=(12, 29, 90),
        materials=(
            "stoneware ceramic", "double-wall stainless steel", "borosilicate glass", "porcelain",
        ),
        features=(
            "is dishwasher safe", "is microwave safe", "has a comfortable handle",
            "has a leak-proof lid", "is BPA free",
        ),
        colors=HOMEWARE,
    ),
    Subcategory(
        path="Home & Kitchen > Kitchen Appliances",
        brands=HOME,
        types=_types(
            ("Blender", "a powerful blender for smoothies, soups and crushed ice"),
            ("Drip Coffee Maker", "a programmable drip coffee maker that brews 12 cups of coffee"),
            ("Espresso Machine", "an espresso machine for lattes and cappuccinos at home"),
            ("Air Fryer", "an air fryer that makes crispy fries and wings with little oil"),
            (
                "Electric Kettle",
                "an electric kettle that boils water for tea and coffee in minutes",
            ),
            ("Toaster", "a wide-slot toaster for bread, bagels and waffles"),
        ),
        price=(29, 79, 400),
        materials=("stainless steel", "BPA-free plastic and steel", "brushed aluminum"),
        features=(
            "has an automatic shut-off", "has dishwasher-safe parts",
            "comes with a 2-year warranty", "has simple one-touch controls",
        ),
        colors=("black", "white", "silver", "red"),
    ),
    Subcategory(
        path="Home & Kitchen > Kitchen Utensils",
        brands=HOME,
        types=_types(
            ("Chef's Knife", "a sharp chef's knife for chopping, slicing and dicing"),
            ("Cutting Board", "a sturdy cutting board for meal prep"),
            ("Utensil Set", "a set of spatulas, spoons and tongs for everyday cooking"),
            ("Measuring Cup Set", "nesting measuring cups and spoons for baking"),
            ("Mixing Bowl Set", "nesting mixing bowls for baking and salads"),
        ),
        price=(8, 24, 120),
        materials=("high-carbon stainless steel", "acacia wood", "silicone", "bamboo"),
        features=(
            "is dishwasher safe", "will not scratch nonstick pans", "has a comfortable grip",
            "is heat resistant to 450°F",
        ),
        colors=("black", "silver", "beige", "gray", "green"),
    ),
    Subcategory(
        path="Home & Kitchen > Bedding",
        brands=HOME,
        types=_types(
            ("Sheet Set", "a soft sheet set with fitted sheet, flat sheet and pillowcases"),
            ("Duvet Cover", "a duvet cover that brightens up your bedroom"),
            ("Down Alternative Comforter", "a fluffy, warm comforter for a good night's sleep"),
            ("Memory Foam Pillow", "a supportive pillow for side and back sleepers"),
            ("Throw Blanket", "a cozy throw blanket for the sofa"),
        ),
        price=(25, 69, 220),
        materials=("100% cotton percale", "cotton sateen", "washed linen", "microfiber"),
        features=(
            "gets softer with every wash", "is breathable for hot sleepers", "is machine washable",
            "is hypoallergenic",
        ),
        colors=("white", "gray", "beige", "navy", "blue", "green", "pink"),
    ),
    Subcategory(
        path="Home & Kitchen > Home Decor",
        brands=HOME,
        types=_types(
            ("Scented Candle", "a scented candle that fills the room with a warm fragrance"),
            ("Table Lamp", "a table lamp that gives soft, warm light"),
            ("Picture Frame", "a picture frame for your favorite photos"),
            ("Ceramic Vase", "a handmade vase for fresh or dried flowers"),
            ("Wall Mirror", "a round wall mirror that makes small rooms feel bigger"),
        ),
        price=(12, 35, 160),
        materials=("ceramic", "soy wax", "solid oak", "brass and glass"),
        features=(
            "is made by hand", "makes a thoughtful gift", "fits any style of room",
            "comes ready to hang or display",
        ),
        colors=("white", "black", "beige", "gray", "green", "blue", "gold"),
    ),
    Subcategory(
        path="Beauty > Skincare",
        brands=BEAUTY,
        types=_types(
            ("Daily Moisturizer", "a lightweight moisturizer that hydrates dry skin all day"),
            ("Vitamin C Serum", "a brightening serum that evens out skin tone"),
            ("Gentle Cleanser", "a gentle face wash that removes makeup without drying the skin"),
            ("Sunscreen SPF 50", "a broad-spectrum sunscreen that protects skin from UV rays"),
            ("Night Cream", "a rich night cream that repairs skin while you sleep"),
        ),
        price=(12, 28, 75),
        materials=("plant-based formula", "fragrance-free formula", "hyaluronic acid formula"),
        features=(
            "suits sensitive skin", "is free of parabens and sulfates", "is dermatologist tested",
            "is cruelty free and vegan",
        ),
        material_sentence="Its {material} {feature}.",
    ),
    Subcategory(
        path="Beauty > Haircare",
        brands=BEAUTY,
        types=_types(
            ("Hydrating Shampoo", "a hydrating shampoo for dry, frizzy hair"),
            ("Repair Conditioner", "a conditioner that repairs damaged hair"),
            ("Hair Oil", "a light hair oil that adds shine and tames frizz"),
            ("Hair Dryer", "a fast, quiet ionic hair dryer"),
            ("Curl Cream", "a curl cream that defines curls without crunch"),
        ),
        price=(9, 22, 120),
        materials=("argan oil formula", "sulfate-free formula", "ceramic and ionic technology"),
        features=(
            "is safe for color-treated hair", "smells of citrus and mint", "is free of silicones",
            "works for all hair types",
        ),
        material_sentence="Its {material} {feature}.",
    ),
    Subcategory(
        path="Beauty > Makeup",
        brands=BEAUTY,
        types=_types(
            ("Matte Lipstick", "a long-wearing matte lipstick"),
            ("Volumizing Mascara", "a mascara that lifts and volumizes lashes"),
            ("Liquid Foundation", "a buildable foundation with a natural finish"),
            ("Eyeshadow Palette", "an eyeshadow palette with everyday and evening shades"),
            ("Tinted Lip Balm", "a moisturizing lip balm with a hint of color"),
        ),
        price=(8, 19, 55),
        materials=("vegan formula", "mineral formula", "long-wear formula"),
        features=(
            "lasts up to 12 hours", "does not smudge", "is cruelty free", "is easy to build up",
        ),
        colors=("red", "pink", "beige", "brown", "purple", "black"),
        material_sentence="Its {material} {feature}.",
    ),
    Subcategory(
        path="Beauty > Fragrance",
        brands=BEAUTY,
        types=_types(
            ("Eau de Parfum", "an eau de parfum with a long-lasting scent"),
            ("Eau de Toilette", "a fresh eau de toilette for every day"),
            ("Body Mist", "a light body mist to refresh during the day"),
        ),
        price=(18, 59, 160),
        materials=(
            "blend of bergamot and cedar", "blend of jasmine and vanilla",
            "blend of sea salt and sage",
        ),
        features=(
            "comes in a refillable bottle", "makes a lovely gift", "lasts from morning to evening",
            "is made without phthalates",
        ),
        material_sentence="Its {material} {feature}.",
    ),
    Subcategory(
        path="Sports & Outdoors > Running Gear",
        brands=SPORTS,
        types=_types(
            ("Running Shorts", "lightweight shorts for runs and races", "apparel"),
            ("Running Jacket", "a packable jacket for running in wind and light rain", "apparel"),
            ("Running Belt", "a running belt that holds your phone, keys and gels"),
            ("Hydration Vest", "a hydration vest for long runs and trail races"),
            ("Running Cap", "a breathable cap that keeps sun and sweat out of your eyes"),
        ),
        price=(15, 35, 140),
        materials=("recycled polyester", "lightweight nylon", "sweat-wicking mesh"),
        features=(
            "has reflective details for running at night", "wicks sweat and dries fast",
            "does not bounce while you run", "has zippered pockets",
        ),
        colors=("black", "blue", "orange", "yellow", "gray", "red", "green"),
    ),
    Subcategory(
        path="Sports & Outdoors > Camping",
        brands=SPORTS,
        types=_types(
            ("2-Person Tent", "a lightweight tent for two for backpacking and campgrounds"),
            ("4-Person Tent", "a roomy family tent for weekend camping"),
            ("Sleeping Bag", "a warm sleeping bag for cold nights outdoors"),
            ("Camping Chair", "a folding camp chair for campfires and festivals"),
            ("Headlamp", "a bright rechargeable headlamp for camping and night hikes"),
            ("Camping Stove", "a compact camping stove for cooking outdoors"),
        ),
        price=(19, 79, 350),
        materials=("ripstop nylon", "aluminum and polyester", "down alternative insulation"),
        features=(
            "packs down small", "sets up in minutes", "is water resistant",
            "is rated for three seasons",
        ),
        colors=("green", "olive", "orange", "gray", "blue", "beige"),
    ),
    Subcategory(
        path="Sports & Outdoors > Yoga & Fitness",
        brands=SPORTS,
        types=_types(
            ("Yoga Mat", "a non-slip yoga mat for yoga, pilates and stretching"),
            ("Adjustable Dumbbells", "adjustable dumbbells for strength training at home"),
            (
                "Resistance Bands Set",
                "a set of resistance bands for workouts at home or on the road",
            ),
            ("Foam Roller", "a foam roller that eases sore muscles after workouts"),
            ("Yoga Block", "a supportive yoga block that helps you into poses"),
        ),
        price=(12, 35, 250),
        materials=("natural rubber", "TPE foam", "cork", "cast iron with rubber coating"),
        features=(
            "has a non-slip surface", "is easy to clean", "comes with a carrying strap",
            "is free of latex and PVC",
        ),
        colors=("purple", "blue", "black", "green", "pink", "gray"),
    ),
    Subcategory(
        path="Sports & Outdoors > Cycling",
        brands=SPORTS,
        types=_types(
            ("Bike Helmet", "a ventilated helmet for road and commuter cycling"),
            ("Bike Light Set", "front and rear lights so drivers see you at night"),
            ("Bike Lock", "a strong U-lock to keep your bike safe"),
            ("Cycling Jersey", "a breathable cycling jersey with back pockets", "apparel"),
            ("Bike Pump", "a floor pump with pressure gauge for road and mountain bikes"),
        ),
        price=(15, 45, 200),
        materials=("in-mold polycarbonate", "hardened steel", "aluminum", "recycled polyester"),
        features=(
            "is rechargeable over USB-C", "is easy to mount without tools",
            "is highly visible at night", "is safety certified",
        ),
        colors=("black", "white", "red", "blue", "yellow", "gray"),
    ),
    Subcategory(
        path="Sports & Outdoors > Water Bottles",
        brands=SPORTS,
        types=_types(
            (
                "Insulated Water Bottle",
                "an insulated bottle that keeps water cold for 24 hours and drinks hot for 12",
            ),
            ("Sports Water Bottle", "a squeezable sports bottle for the gym, runs and bike rides"),
            ("Collapsible Water Bottle", "a collapsible bottle that rolls up when empty"),
            ("Kids Water Bottle", "a spill-proof water bottle sized for kids"),
        ),
        price=(10, 25, 45),
        materials=("double-wall stainless steel", "BPA-free Tritan plastic", "food-grade silicone"),
        features=(
            "has a leak-proof lid", "is dishwasher safe", "fits most cup holders",
            "has a carry loop",
        ),
        colors=("black", "white", "blue", "green", "pink", "purple", "silver", "orange"),
    ),
    Subcategory(
        path="Toys & Games > Building Sets",
        brands=TOYS,
        types=_types(
            (
                "Castle Building Set",
                "a building set for constructing a castle with towers and a drawbridge",
            ),
            ("Space Station Building Set", "a building set to build a space station and rockets"),
            ("City Building Set", "a building set with houses, shops and cars"),
            ("Magnetic Tiles Set", "colorful magnetic tiles for open-ended building"),
        ),
        price=(15, 39, 150),
        materials=("ABS plastic bricks", "magnetic ABS tiles", "FSC-certified wood"),
        features=(
            "comes with illustrated instructions", "works with other brick sets",
            "builds several different models", "encourages creativity and fine motor skills",
        ),
        colors=BRIGHT,
    ),
    Subcategory(
        path="Toys & Games > Board Games",
        brands=TOYS,
        types=_types(
            (
                "Strategy Board Game",
                "a strategy board game for family game night, for 2 to 5 players",
            ),
            ("Party Game", "a quick party game for groups and game nights"),
            (
                "Cooperative Board Game",
                "a cooperative board game where players win or lose together",
            ),
            ("Card Game", "a fast card game that is easy to learn"),
        ),
        price=(12, 29, 70),
        materials=("cardboard and wooden pieces", "recycled cardboard", "linen-finish cards"),
        features=(
            "plays in about 30 minutes", "is easy to learn in five minutes",
            "is great for ages 8 and up", "has a lot of replay value",
        ),
    ),
    Subcategory(
        path="Toys & Games > Puzzles",
        brands=TOYS,
        types=_types(
            ("1000-Piece Jigsaw Puzzle", "a 1000-piece jigsaw puzzle for a relaxing afternoon"),
            ("500-Piece Jigsaw Puzzle", "a 500-piece puzzle with a bright illustration"),
            ("Kids Floor Puzzle", "a large floor puzzle for young children"),
            ("3D Wooden Puzzle", "a 3D wooden puzzle that builds into a model"),
        ),
        price=(10, 19, 45),
        materials=("recycled cardboard", "birch plywood", "thick cardboard"),
        features=(
            "has pieces that fit snugly", "comes with a poster of the image", "makes a great gift",
            "is made from sustainable materials",
        ),
    ),
    Subcategory(
        path="Toys & Games > Plush Toys",
        brands=TOYS,
        types=_types(
            ("Teddy Bear", "a huggable teddy bear for bedtime"),
            ("Plush Bunny", "a soft bunny plush for little ones"),
            ("Plush Dinosaur", "a friendly dinosaur plush toy"),
            ("Plush Unicorn", "a sparkly unicorn plush toy"),
        ),
        price=(12, 22, 50),
        materials=("recycled polyester plush", "organic cotton", "soft minky fabric"),
        features=(
            "is machine washable", "is safe for all ages", "has embroidered eyes", "is extra soft",
        ),
        colors=("brown", "beige", "pink", "white", "gray", "purple", "green"),
    ),
    Subcategory(
        path="Books > Fiction",
        brands=BOOKS,
        types=_types(
            ("Hardcover Novel", "a gripping novel for long evenings and weekend reading"),
            ("Paperback Novel", "a page-turning novel in paperback"),
            ("Mystery Novel", "a twisty mystery novel"),
        ),
        price=(10, 18, 32),
        materials=("hardcover", "paperback"),
        features=(
            "was a book club favorite", "is the first book in a series",
            "has a reading group guide", "is also available as an ebook",
        ),
        brand_in_title=False,
        material_sentence="This {material} edition {feature}.",
    ),
    Subcategory(
        path="Books > Cookbooks",
        brands=BOOKS,
        types=_types(
            ("Cookbook", "a cookbook with easy weeknight recipes"),
            ("Baking Cookbook", "a baking book with bread, cake and cookie recipes"),
            ("Vegetarian Cookbook", "a vegetarian cookbook full of seasonal recipes"),
        ),
        price=(15, 28, 45),
        materials=("hardcover", "paperback"),
        features=(
            "has over 100 recipes", "has a photo for every recipe", "includes meal-prep tips",
            "has a lay-flat binding",
        ),
        brand_in_title=False,
        material_sentence="This {material} edition {feature}.",
    ),
    Subcategory(
        path="Books > Children's Books",
        brands=BOOKS,
        types=_types(
            ("Picture Book", "a picture book to read aloud at bedtime"),
            ("Board Book", "a sturdy board book for toddlers"),
            ("Chapter Book", "a chapter book for young readers"),
        ),
        price=(6, 12, 22),
        materials=("hardcover", "board book", "paperback"),
        features=(
            "has bright illustrations", "is great for ages 3 to 7", "teaches kindness and sharing",
            "rhymes and is fun to read aloud",
        ),
        brand_in_title=False,
        material_sentence="This {material} edition {feature}.",
    ),
    Subcategory(
        path="Books > Self-Help",
        brands=BOOKS,
        types=_types(
            ("Self-Help Book", "a practical guide to building better habits"),
            ("Productivity Guide", "a guide to focus, planning and getting things done"),
            ("Mindfulness Guide", "a guide to mindfulness and calmer days"),
        ),
        price=(12, 20, 35),
        materials=("hardcover", "paperback"),
        features=(
            "has exercises at the end of each chapter", "is based on research", "is a quick read",
            "has a companion workbook",
        ),
        brand_in_title=False,
        material_sentence="This {material} edition {feature}.",
    ),
)
# fmt: on

MODEL_NAMES = (
    "Tempo", "Aero", "Summit", "Drift", "Nova", "Pulse", "Atlas", "Breeze", "Cascade", "Echo",
    "Ember",
    "Flux", "Glide", "Harbor", "Horizon", "Juniper", "Lumen", "Meridian", "Nimbus", "Orbit",
    "Pioneer",
    "Quest", "Ridge", "Sierra", "Solstice", "Spark", "Strata", "Terra", "Vista", "Wave", "Zephyr",
    "Alpine", "Canyon", "Coast", "Crest", "Everyday", "Classic", "Essential", "Heritage", "Metro",
    "Prime", "Rally", "Swift", "Trek", "Urban", "Voyage", "Willow", "Aspen", "Boulder", "Cedar",
)  # fmt: skip
BOOK_TITLES = (
    "The Quiet Orchard", "Salt and Starlight", "A House by the River", "The Last Lighthouse",
    "Winter in Lisbon", "The Paper Garden", "Under the Linden Tree", "The Long Way Home",
    "Small Kitchen, Big Flavor", "Sunday Suppers", "The Bread Book", "Green Plates",
    "Milo and the Moon", "Where Do Foxes Sleep?", "The Brave Little Boat", "Penny's Big Day",
    "Tiny Habits, Big Changes", "The Calm Mind", "Make Time for What Matters",
    "Start Where You Are",
    "The Glass Harbor", "Echoes of Autumn", "The Cartographer's Daughter", "Night Train to Vienna",
)  # fmt: skip
ADJECTIVES = (
    "versatile",
    "well-made",
    "best-selling",
    "thoughtfully designed",
    "durable",
    "popular",
    "reliable",
)
CLOSINGS = {
    "Apparel": "Machine wash cold and tumble dry low; check the size chart to find your fit.",
    "Shoes": "It fits true to size; if you are between sizes, we suggest going half a size up.",
    "Electronics": "Covered by a one-year limited warranty.",
    "Home & Kitchen": "A practical addition to any home, and a great housewarming gift.",
    "Beauty": "Patch test before first use; for external use only.",
    "Sports & Outdoors": "Built to handle the outdoors season after season.",
    "Toys & Games": "Not suitable for children under 3 years because of small parts unless stated "
    "otherwise.",
    "Books": "Printed on responsibly sourced paper.",
}


@dataclass(frozen=True)
class ContractProduct:
    """A fixed product the contract orders and the docs refer to."""

    title: str
    brand: str
    category: str
    price: str
    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    material: str
    rating: float
    description: str
    final_sale: bool = False
    stock: int = 25


CONTRACT_PRODUCTS: tuple[ContractProduct, ...] = (
    ContractProduct(
        "Stridewell Tempo 3 Running Shoe",
        "Stridewell",
        "Shoes > Running Shoes",
        "89.99",
        ("navy", "black", "white"),
        tuple(f"{half / 2:g}" for half in range(14, 25)),
        "engineered mesh",
        4.6,
        "The Stridewell Tempo 3 is a lightweight, cushioned running shoe for daily training runs "
        "and "
        "tempo workouts. Its engineered mesh upper keeps feet cool and its foam midsole absorbs "
        "impact. "
        "A rubber outsole grips on wet roads. It fits true to size.",
    ),
    ContractProduct(
        "Sonique Pulse Wireless Headphones",
        "Sonique",
        "Electronics > Headphones",
        "79.99",
        ("black", "white"),
        (),
        "aluminum and memory foam",
        4.4,
        "Over-ear bluetooth headphones with active noise cancelling for flights, commutes and open "
        "offices. They play for up to 30 hours on a charge and charge over USB-C. The ear "
        "cushions are "
        "memory foam, and the headphones fold flat for travel.",
    ),
    ContractProduct(
        "Voltra USB-C Charging Cable",
        "Voltra",
        "Electronics > Chargers & Cables",
        "12.99",
        ("black", "white"),
        (),
        "braided nylon",
        4.5,
        "A 2-meter braided USB-C to USB-C cable for fast charging phones, tablets and laptops. The "
        "braided jacket resists tangles and fraying. Works with USB-C chargers up to 100 W.",
    ),
    ContractProduct(
        "Loomcraft Everyday Cotton T-Shirt",
        "Loomcraft",
        "Apparel > T-Shirts",
        "19.99",
        ("white", "black", "navy", "gray"),
        APPAREL_SIZES,
        "100% cotton",
        4.3,
        "A soft, breathable crew-neck t-shirt in pre-shrunk 100% cotton for everyday wear. It "
        "keeps its "
        "shape wash after wash and has a tagless collar. Machine wash cold.",
    ),
    ContractProduct(
        "Kestrel Storm Rain Jacket",
        "Kestrel",
        "Apparel > Jackets & Coats",
        "59.99",
        ("olive", "black"),
        ("S", "M", "L", "XL"),
        "recycled nylon",
        4.1,
        "A waterproof, breathable rain jacket with taped seams and an adjustable hood that keeps "
        "you dry "
        "in wet weather. It packs into its own pocket. Final sale: this item cannot be returned.",
        final_sale=True,
    ),
    ContractProduct(
        "BrewMaster Classic Ceramic Coffee Mug",
        "BrewMaster",
        "Home & Kitchen > Coffee & Tea",
        "14.99",
        ("white", "black", "blue"),
        (),
        "stoneware ceramic",
        4.7,
        "A 12-ounce stoneware mug for your morning coffee or an afternoon cup of tea. It is "
        "dishwasher and "
        "microwave safe. The comfortable handle stays cool.",
    ),
    ContractProduct(
        "BrewMaster Keepwarm Insulated Thermos",
        "BrewMaster",
        "Home & Kitchen > Coffee & Tea",
        "29.99",
        ("silver", "black"),
        (),
        "double-wall stainless steel",
        4.8,
        "A vacuum-insulated thermos that keeps coffee, tea and soup hot for 12 hours and drinks "
        "cold for "
        "24 hours. The leak-proof lid doubles as a cup. Fits most car cup holders.",
    ),
    ContractProduct(
        "Trailforge Ridge Hiking Boot",
        "Trailforge",
        "Shoes > Hiking Boots",
        "129.00",
        ("brown", "gray"),
        tuple(str(size) for size in range(7, 13)),
        "waterproof nubuck leather",
        4.5,
        "A waterproof leather hiking boot with ankle support and a lugged outsole for grip on "
        "rocks and "
        "mud. Made for day hikes and multi-day treks. The padded collar keeps blisters away.",
    ),
    ContractProduct(
        "Zenflow Align Yoga Mat",
        "Zenflow",
        "Sports & Outdoors > Yoga & Fitness",
        "39.99",
        ("purple", "blue", "black"),
        (),
        "natural rubber",
        4.6,
        "A 5 mm non-slip natural rubber yoga mat for yoga, pilates and stretching. It is easy to "
        "clean. "
        "A carrying strap is included.",
    ),
    ContractProduct(
        "Sonique Boom Mini Bluetooth Speaker",
        "Sonique",
        "Electronics > Speakers",
        "49.99",
        ("black", "blue"),
        (),
        "fabric-wrapped plastic",
        4.2,
        "A pocket-sized waterproof bluetooth speaker with punchy bass and 12 hours of play time. "
        "Clip it to a backpack for hikes and beach days. Currently out of stock.",
        stock=0,
    ),
)


FIRST_NAMES = (
    "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Avery", "Quinn", "Drew", "Harper",
    "Rowan",
    "Emery", "Parker", "Reese", "Skyler", "Dakota", "Elliot", "Hayden", "Kendall", "Logan", "Maria",
    "Wei", "Priya", "Omar", "Lucia", "Kenji", "Amara", "Mateo", "Noor", "Sofia",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Nguyen", "Smith", "Johnson", "Patel", "Kim", "Brown", "Lopez", "Chen", "Davis",
    "Wilson",
    "Martinez", "Okafor", "Rossi", "Schmidt", "Kowalski", "Haddad", "Silva", "Tanaka", "Murphy",
)  # fmt: skip
CITIES = (
    ("Seattle", "WA", "98101"), ("Austin", "TX", "78701"), ("Chicago", "IL", "60601"),
    ("Denver", "CO", "80202"), ("Boston", "MA", "02108"), ("Portland", "OR", "97201"),
    ("Miami", "FL", "33101"), ("Atlanta", "GA", "30303"), ("Phoenix", "AZ", "85004"),
    ("Minneapolis", "MN", "55401"), ("Nashville", "TN", "37203"), ("San Diego", "CA", "92101"),
)  # fmt: skip
STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Pine Street",
    "Cedar Lane",
    "Elm Street",
    "Lake Road",
)
CARRIERS = ("UPS", "FedEx", "USPS")
RETURN_REASONS = ("Too small", "Too big", "Changed my mind", "Arrived damaged", "Not as described")
