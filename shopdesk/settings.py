"""The one place shopdesk reads its configuration.

Every setting comes from an environment variable with a documented default, so the
demo runs with nothing set and a production install changes only its environment.
Libraries below the top layer (``storage``, ``retrieval``, ``models``) never read the
environment themselves: they receive these values as arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.errors import ShopdeskError

#: The directory holding shopdesk's packages (``shopdesk``, ``bot``, ``nlu_data``, ...): the source
#: checkout, or ``site-packages`` when shopdesk is installed from a wheel. The packages are always
#: installed side by side, so the data they ship is found next to this one in both layouts.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: True when running from a source checkout (it has ``pyproject.toml``, ``docs/`` and ``tests/``);
#: False for an installed wheel.
RUNNING_FROM_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
#: The Rasa project: config, domain, stories and rules, credentials, the default knowledge base.
BOT_DIR = PROJECT_ROOT / "bot"
#: The NLU examples: ``train/`` (what ``rasa train`` reads) and ``test/`` (the benchmarks).
NLU_DATA_DIR = PROJECT_ROOT / "nlu_data"


def default_data_dir() -> Path:
    """``.shopdesk`` in the checkout when running from one, else in the current directory."""
    base = PROJECT_ROOT if RUNNING_FROM_CHECKOUT else Path.cwd()
    return base / ".shopdesk"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


class SettingsError(ShopdeskError, ValueError):
    """A ``SHOPDESK_*`` variable holds a value shopdesk cannot use."""


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


#: The settings each messaging channel cannot start without (the one list the channels and
#: ``shopdesk channels`` read); a channel is on when all of them are set.
CHANNEL_SETTINGS = {
    "telegram": ("SHOPDESK_TELEGRAM_TOKEN",),
    "twilio": (
        "SHOPDESK_TWILIO_ACCOUNT_SID",
        "SHOPDESK_TWILIO_AUTH_TOKEN",
        "SHOPDESK_TWILIO_NUMBER",
    ),
    "messenger": (
        "SHOPDESK_MESSENGER_PAGE_TOKEN",
        "SHOPDESK_MESSENGER_APP_SECRET",
        "SHOPDESK_MESSENGER_VERIFY_TOKEN",
    ),
    "slack": ("SHOPDESK_SLACK_BOT_TOKEN", "SHOPDESK_SLACK_SIGNING_SECRET"),
}


@dataclass(frozen=True)
class Settings:
    """shopdesk's configuration, read from ``SHOPDESK_*`` environment variables."""

    #: Working directory for everything shopdesk generates (database, index, models).
    data_dir: Path = field(
        default_factory=lambda: Path(_env("SHOPDESK_DATA_DIR", str(default_data_dir()))).absolute()
    )
    #: SQLAlchemy URL of the shop database. Default: a SQLite file in the data directory.
    database_url: str = ""
    #: Where Rasa keeps conversations (SQLAlchemy URL). Default: a SQLite file in the data
    #: directory.
    tracker_store_url: str = ""
    #: Conversations whose trackers the Rasa server keeps in memory between messages (0: none).
    tracker_cache_size: int = field(
        default_factory=lambda: _env_int("SHOPDESK_TRACKER_CACHE_SIZE", 1000)
    )
    #: Sentence-embedding model (name on a model hub or local path). Default: the bundled
    #: all-MiniLM-L6-v2.
    embedding_model: str = field(
        default_factory=lambda: _env("SHOPDESK_EMBEDDING_MODEL", "bundled:all-MiniLM-L6-v2")
    )
    #: Base model the intent classifier fine-tunes. Default: the bundled all-MiniLM-L6-v2.
    intent_base_model: str = field(
        default_factory=lambda: _env("SHOPDESK_INTENT_BASE_MODEL", "bundled:all-MiniLM-L6-v2")
    )
    #: Directory holding the persisted product index. Default: ``<data_dir>/product-index``.
    index_dir: Path = field(default_factory=lambda: Path(_env("SHOPDESK_INDEX_DIR", "")))
    #: Catalog size above which the product index switches from exact to approximate FAISS search.
    approximate_index_threshold: int = field(
        default_factory=lambda: _env_int("SHOPDESK_APPROX_INDEX_THRESHOLD", 50_000)
    )
    #: Port of the Rasa server (REST channel and HTTP API).
    rasa_port: int = field(default_factory=lambda: _env_int("SHOPDESK_RASA_PORT", 5005))
    #: Address of the Rasa server as the console (and other shopdesk commands) reach it, e.g.
    #: ``http://rasa:5005`` when it runs on another host. Default: loopback at ``rasa_port``.
    rasa_url: str = field(default_factory=lambda: _env("SHOPDESK_RASA_URL", "").rstrip("/"))
    #: Rasa server worker processes; more than 1 needs ``lock_store_url`` (Rasa's Redis lock store).
    rasa_workers: int = field(default_factory=lambda: _env_int("SHOPDESK_RASA_WORKERS", 1))
    #: Redis URL of the lock store that keeps each conversation's messages in order across
    #: workers (e.g. ``redis://127.0.0.1:6379/1``). Default: Rasa's in-process lock store.
    lock_store_url: str = field(default_factory=lambda: _env("SHOPDESK_LOCK_STORE_URL", ""))
    #: Redis URL python-socketio's client manager uses so that a message for a shopper reaches
    #: the Rasa worker holding the shopper's socket. Default: the lock store's Redis when there
    #: are several workers, none with one. The Redis must be private (messages are pickled).
    socketio_redis_url: str = field(default_factory=lambda: _env("SHOPDESK_SOCKETIO_REDIS_URL", ""))
    #: AMQP URL of the RabbitMQ the Rasa server publishes conversation events to
    #: (``amqp://user:password@host:5672/vhost``). Default: no event broker.
    event_broker_url: str = field(default_factory=lambda: _env("SHOPDESK_EVENT_BROKER_URL", ""))
    #: RabbitMQ queue (and fanout exchange of the same name) the events go to.
    event_queue: str = field(
        default_factory=lambda: _env("SHOPDESK_EVENT_QUEUE", "shopdesk_events")
    )
    #: Events kept in memory while the broker is unreachable (older ones are dropped and counted).
    event_buffer_size: int = field(
        default_factory=lambda: _env_int("SHOPDESK_EVENT_BUFFER_SIZE", 10_000)
    )
    #: Log format of the servers: ``text`` (readable lines) or ``json`` (one JSON object per line,
    #: with the conversation id, for log collectors).
    log_format: str = field(default_factory=lambda: _env("SHOPDESK_LOG_FORMAT", "text").lower())
    #: Port of the demo storefront (``make demo``), which carries the chat widget.
    storefront_port: int = field(default_factory=lambda: _env_int("SHOPDESK_STOREFRONT_PORT", 8000))
    #: Comma-separated origins (``https://shop.example.com``) whose pages may embed the chat
    #: widget, i.e. talk to the Rasa server from a browser; ``*`` allows any. Default: the demo
    #: storefront on localhost and 127.0.0.1.
    widget_origins: str = field(default_factory=lambda: _env("SHOPDESK_WIDGET_ORIGINS", ""))
    #: Address of the Rasa server as a shopper's browser reaches it, given to the widget.
    #: Default: the storefront's own host name with the Rasa port.
    widget_server_url: str = field(
        default_factory=lambda: _env("SHOPDESK_WIDGET_SERVER_URL", "").rstrip("/")
    )
    #: Port of the rasa-sdk action server.
    action_port: int = field(default_factory=lambda: _env_int("SHOPDESK_ACTION_PORT", 5055))
    #: Interface the action server listens on. Loopback by default: only the Rasa server may
    #: reach it. Set it to a private address when Rasa runs on another machine; never expose
    #: it to the internet.
    action_host: str = field(default_factory=lambda: _env("SHOPDESK_ACTION_HOST", "127.0.0.1"))
    #: Shared secret Rasa sends to the action server, which refuses requests without it.
    #: Unset: generated once into ``<data_dir>/action-token`` (mode 0600).
    action_token: str = field(default_factory=lambda: _env("SHOPDESK_ACTION_TOKEN", ""))
    #: Key, held by the action server alone, that signs "this conversation verified customer N".
    #: Unset: generated once into ``<data_dir>/verification-key`` (mode 0600).
    verification_key: str = field(default_factory=lambda: _env("SHOPDESK_VERIFICATION_KEY", ""))
    #: Minutes a shopper's verification lasts after their last order action (then they are asked
    #: again).
    verification_minutes: int = field(
        default_factory=lambda: _env_int("SHOPDESK_VERIFICATION_MINUTES", 30)
    )
    #: Key the shop's backend signs identity tokens with (HS256 JWT, docs/personalisation.md);
    #: unset: generated once into ``<data_dir>/identity-key``.
    identity_key: str = field(default_factory=lambda: _env("SHOPDESK_IDENTITY_KEY", ""))
    #: Whether the bot uses a verified customer's profile (greeting, usual size, history).
    personalisation: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_PERSONALISATION", "true").lower() in ("1", "true", "yes")
        )
    )
    #: Token protecting Rasa's HTTP API. Unset: ``make demo`` generates one and prints it.
    api_token: str = field(default_factory=lambda: _env("SHOPDESK_API_TOKEN", ""))
    #: Public address of the shop, used to build product links.
    shop_url: str = field(default_factory=lambda: _env("SHOPDESK_SHOP_URL", "").rstrip("/"))
    #: Currency for prices when a catalog row does not name one.
    default_currency: str = field(default_factory=lambda: _env("SHOPDESK_CURRENCY", "USD"))
    #: How many products a search answer shows.
    search_results: int = field(default_factory=lambda: _env_int("SHOPDESK_SEARCH_RESULTS", 5))
    #: Store what shoppers are shown, click, ask about, view and cart (``interactions``), see
    #: docs/personalisation.md. Off: nothing is recorded from conversations or the storefront.
    record_behaviour: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_RECORD_BEHAVIOUR", "true").lower() in ("1", "true", "yes")
        )
    )
    #: Fold this conversation's events into the next recommendation. Off: recommendations use
    #: only the verified customer's orders and the products shown in the chat.
    live_recommendations: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_LIVE_RECOMMENDATIONS", "true").lower() in ("1", "true", "yes")
        )
    )
    #: Score how frustrated each shopper message sounds (docs/personalisation.md, "Frustration").
    #: Off: no score is computed or stored, and the bot never offers a person unasked.
    frustration_scoring: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_FRUSTRATION_SCORING", "true").lower() in ("1", "true", "yes")
        )
    )
    #: Apologise and offer a person when a message scores at least ``frustration_threshold``
    #: (once per conversation, never during verification). Off: scores are only shown to staff.
    frustration_offer: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_FRUSTRATION_OFFER", "true").lower() in ("1", "true", "yes")
        )
    )
    #: Frustration score (0-1) from which a shopper counts as frustrated; chosen on labelled
    #: messages by ``shopdesk bench frustration`` (docs/benchmarks.md).
    frustration_threshold: float = field(
        default_factory=lambda: _env_float("SHOPDESK_FRUSTRATION_THRESHOLD", 0.25)
    )
    #: Threads PyTorch may use for inference on the message path.
    torch_threads: int = field(default_factory=lambda: _env_int("SHOPDESK_TORCH_THREADS", 1))
    #: OpenMP threads FAISS uses for one search. More than 1 makes the idle threads spin after
    #: each query (twice the CPU for the same answer), which a server answering many
    #: conversations at once cannot afford.
    search_threads: int = field(default_factory=lambda: _env_int("SHOPDESK_SEARCH_THREADS", 1))
    #: Seed used when generating the demo store.
    demo_seed: int = field(default_factory=lambda: _env_int("SHOPDESK_DEMO_SEED", 7))
    #: Return window in days.
    return_window_days: int = field(
        default_factory=lambda: _env_int("SHOPDESK_RETURN_WINDOW_DAYS", 30)
    )
    #: Longest shopper message, in characters, the REST channel accepts (longer ones get HTTP 413).
    max_message_chars: int = field(
        default_factory=lambda: _env_int("SHOPDESK_MAX_MESSAGE_CHARS", 5_000)
    )
    #: Messages one conversation may send per minute (REST, widget, messaging apps); more get
    #: HTTP 429 with Retry-After. 0: no limit.
    rate_limit_sender: int = field(
        default_factory=lambda: _env_int("SHOPDESK_RATE_LIMIT_SENDER", 30)
    )
    #: Requests one client address may send per minute to the REST webhook and the widget
    #: (messaging webhooks: refused requests only, the platforms' own are not counted). 0: no limit.
    rate_limit_ip: int = field(default_factory=lambda: _env_int("SHOPDESK_RATE_LIMIT_IP", 300))
    #: Redis keeping the rate-limit counters shared by all workers and replicas. Default: the lock
    #: store's Redis; none (in-process counters) without a lock store.
    rate_limit_redis_url: str = field(
        default_factory=lambda: _env("SHOPDESK_RATE_LIMIT_REDIS_URL", "")
    )
    #: When support staff answer handed-over conversations.
    staff_hours: str = field(
        default_factory=lambda: _env("SHOPDESK_STAFF_HOURS", "Mon-Fri 09:00-17:00")
    )
    #: Time zone of the staff hours (IANA name).
    staff_timezone: str = field(
        default_factory=lambda: _env("SHOPDESK_STAFF_TIMEZONE", "America/Los_Angeles")
    )
    #: The shop's time zone (IANA name): its calendar decides what "today" is, e.g. for the
    #: return window. Stored times are UTC; dates shown and compared are the shop's.
    shop_timezone: str = field(default_factory=lambda: _env("SHOPDESK_SHOP_TIMEZONE", "UTC"))
    #: Items marked final sale can be returned (default: no).
    final_sale_returnable: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_FINAL_SALE_RETURNABLE", "false").lower() in ("1", "true", "yes")
        )
    )
    #: Mask emails, phones, cards, addresses and names in everything stored (docs/privacy.md).
    redact_pii: bool = field(
        default_factory=lambda: (
            _env("SHOPDESK_REDACT_PII", "on").lower() not in ("0", "off", "false", "no")
        )
    )
    #: Transcripts idle longer than this many days are deleted (0: kept until forgotten).
    transcript_retention_days: int = field(
        default_factory=lambda: _env_int("SHOPDESK_TRANSCRIPT_RETENTION_DAYS", 365)
    )
    #: The shop's knowledge base of policy and help answers.
    knowledge_base_path: Path = field(
        default_factory=lambda: Path(
            _env("SHOPDESK_KNOWLEDGE_BASE", str(BOT_DIR / "knowledge_base.yml"))
        )
    )
    #: Lowest intent confidence the bot acts on before asking to clarify.
    nlu_threshold: float = field(default_factory=lambda: _env_float("SHOPDESK_NLU_THRESHOLD", 0.5))
    #: Port of the support console (``shopdesk console``).
    console_port: int = field(default_factory=lambda: _env_int("SHOPDESK_CONSOLE_PORT", 8080))
    #: Interface the support console listens on (loopback unless staff reach it from elsewhere).
    console_host: str = field(default_factory=lambda: _env("SHOPDESK_CONSOLE_HOST", "127.0.0.1"))
    #: Key signing the console's session cookies. Unset: generated once into
    #: ``<data_dir>/console-session-secret`` (mode 0600).
    console_session_secret: str = field(
        default_factory=lambda: _env("SHOPDESK_CONSOLE_SESSION_SECRET", "")
    )
    #: Minutes a console session lasts without activity before staff sign in again.
    console_session_minutes: int = field(
        default_factory=lambda: _env_int("SHOPDESK_CONSOLE_SESSION_MINUTES", 480)
    )
    #: Intent confidence below which the console counts a shopper's message as poorly understood.
    console_low_confidence: float = field(
        default_factory=lambda: _env_float("SHOPDESK_CONSOLE_LOW_CONFIDENCE", 0.6)
    )
    #: NLU file the console's annotators add reviewed examples to (``rasa train`` reads it).
    #: Default: ``nlu_data/train/reviewed.yml`` in a checkout, ``<data_dir>/reviewed.yml`` when
    #: installed (the installed package's files are not the shop's to edit).
    reviewed_examples: Path = field(
        default_factory=lambda: Path(_env("SHOPDESK_REVIEWED_EXAMPLES", ""))
    )

    #: Public HTTPS address of the Rasa server as the messaging platforms reach it (e.g.
    #: ``https://bot.example.com`` or a tunnel's address). Webhooks are registered under it and
    #: Twilio's signatures are computed over it. Default: the address each request names.
    public_url: str = field(default_factory=lambda: _env("SHOPDESK_PUBLIC_URL", "").rstrip("/"))
    #: Telegram bot token from @BotFather; set, it switches the Telegram channel on.
    telegram_token: str = field(default_factory=lambda: _env("SHOPDESK_TELEGRAM_TOKEN", ""))
    #: Secret Telegram sends with every update (``X-Telegram-Bot-Api-Secret-Token``); it is
    #: given to Telegram when the webhook is registered. 1-256 of ``A-Z a-z 0-9 _ -``.
    telegram_secret: str = field(default_factory=lambda: _env("SHOPDESK_TELEGRAM_SECRET", ""))
    #: Base URL of Telegram's Bot API.
    telegram_api_url: str = field(
        default_factory=lambda: _env("SHOPDESK_TELEGRAM_API_URL", "https://api.telegram.org")
    )
    #: Twilio account SID and auth token (the token also checks ``X-Twilio-Signature``).
    twilio_account_sid: str = field(default_factory=lambda: _env("SHOPDESK_TWILIO_ACCOUNT_SID", ""))
    twilio_auth_token: str = field(default_factory=lambda: _env("SHOPDESK_TWILIO_AUTH_TOKEN", ""))
    #: The shop's Twilio phone number for SMS (``+14155550100``).
    twilio_number: str = field(default_factory=lambda: _env("SHOPDESK_TWILIO_NUMBER", ""))
    #: The shop's WhatsApp sender on Twilio (``+14155238886``); default: the SMS number.
    twilio_whatsapp_number: str = field(
        default_factory=lambda: _env("SHOPDESK_TWILIO_WHATSAPP_NUMBER", "")
    )
    #: Base URL of Twilio's REST API.
    twilio_api_url: str = field(
        default_factory=lambda: _env("SHOPDESK_TWILIO_API_URL", "https://api.twilio.com")
    )
    #: Facebook page access token, app secret (checks ``X-Hub-Signature-256``) and the verify
    #: token you choose and type into Meta's webhook settings.
    messenger_page_token: str = field(
        default_factory=lambda: _env("SHOPDESK_MESSENGER_PAGE_TOKEN", "")
    )
    messenger_app_secret: str = field(
        default_factory=lambda: _env("SHOPDESK_MESSENGER_APP_SECRET", "")
    )
    messenger_verify_token: str = field(
        default_factory=lambda: _env("SHOPDESK_MESSENGER_VERIFY_TOKEN", "")
    )
    #: Base URL of the Graph API (with its version) for Messenger's Send API.
    messenger_api_url: str = field(
        default_factory=lambda: _env(
            "SHOPDESK_MESSENGER_API_URL", "https://graph.facebook.com/v19.0"
        )
    )
    #: Slack bot token (``xoxb-...``) and the app's signing secret.
    slack_bot_token: str = field(default_factory=lambda: _env("SHOPDESK_SLACK_BOT_TOKEN", ""))
    slack_signing_secret: str = field(
        default_factory=lambda: _env("SHOPDESK_SLACK_SIGNING_SECRET", "")
    )
    #: Base URL of Slack's Web API.
    slack_api_url: str = field(
        default_factory=lambda: _env("SHOPDESK_SLACK_API_URL", "https://slack.com/api")
    )

    def __post_init__(self) -> None:
        if not self.database_url:
            url = _env("SHOPDESK_DATABASE_URL", f"sqlite:///{self.data_dir / 'shop.db'}")
            object.__setattr__(self, "database_url", url)
        if not self.tracker_store_url:
            url = _env(
                "SHOPDESK_TRACKER_STORE_URL", f"sqlite:///{self.data_dir / 'conversations.db'}"
            )
            object.__setattr__(self, "tracker_store_url", url)
        if not self.shop_url:
            # The demo storefront (``make demo``) serves the product pages the bot links to.
            object.__setattr__(self, "shop_url", f"http://localhost:{self.storefront_port}")
        if str(self.index_dir) in ("", "."):
            object.__setattr__(self, "index_dir", self.data_dir / "product-index")
        if str(self.reviewed_examples) in ("", "."):
            reviewed = (
                NLU_DATA_DIR / "train" / "reviewed.yml"
                if RUNNING_FROM_CHECKOUT
                else self.data_dir / "reviewed.yml"
            )
            object.__setattr__(self, "reviewed_examples", reviewed)

    def missing_channel_settings(self, channel: str) -> list[str]:
        """The unset ``SHOPDESK_*`` variables of a messaging channel (see CHANNEL_SETTINGS)."""
        return [
            name
            for name in CHANNEL_SETTINGS[channel]
            if not getattr(self, name.removeprefix("SHOPDESK_").lower())
        ]

    @property
    def widget_origin_list(self) -> list[str]:
        """The origins allowed to embed the widget (``["*"]`` for any)."""
        if self.widget_origins.strip():
            return [o.strip().rstrip("/") for o in self.widget_origins.split(",") if o.strip()]
        port = self.storefront_port
        return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]

    @property
    def rate_limit_redis(self) -> str:
        """The Redis URL of the rate-limit counters ("" for counters in each process)."""
        return self.rate_limit_redis_url or self.lock_store_url

    @property
    def socketio_manager_url(self) -> str:
        """The Redis URL of the socket.io client manager ("" for the in-process manager)."""
        if self.socketio_redis_url:
            return self.socketio_redis_url
        return self.lock_store_url if self.rasa_workers > 1 else ""

    @property
    def shop_zone(self) -> ZoneInfo:
        """The shop's time zone; a name that is not a time zone is refused with what to set."""
        return time_zone("SHOPDESK_SHOP_TIMEZONE", self.shop_timezone)

    def shop_today(self, now: datetime | None = None) -> date:
        """The shop's current day: ``now`` (aware; default the present) in the shop's time zone."""
        return (now or datetime.now(timezone.utc)).astimezone(self.shop_zone).date()

    @property
    def knowledge_index_dir(self) -> Path:
        """Where the knowledge base's search index is kept."""
        return self.data_dir / "knowledge-index"

    @property
    def process_dir(self) -> Path:
        """Working directory of the processes shopdesk starts (``rasa train``, the servers).

        The checkout when running from one; otherwise the data directory, so Rasa's training
        cache (``.rasa/``) lands there and not in ``site-packages``.
        """
        return PROJECT_ROOT if RUNNING_FROM_CHECKOUT else self.data_dir

    @property
    def rasa_model_dir(self) -> Path:
        """Where ``rasa train`` writes its model archives."""
        return self.data_dir / "rasa-models"


def get_settings() -> Settings:
    """Read the settings from the current environment."""
    return Settings()


def time_zone(variable: str, name: str) -> ZoneInfo:
    """The IANA time zone ``name`` read from the setting ``variable``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"{variable}={name!r} is not a time zone name; use one such as 'UTC', "
            "'America/Los_Angeles' or 'Europe/Berlin'."
        ) from exc
