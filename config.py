"""Configuration from the environment.

`DevelopmentConfig` is the embedded default (`make run`): SQLite, Whoosh and media under
`instance/`, the offline payment method and in-memory rate limits. Production sets
`SILKROAD_ENV=production` plus `SECRET_KEY`, `DATABASE_URL` and, optionally, `REDIS_URL`.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SILKROAD_INSTANCE", BASE_DIR / "instance"))


def _database_url(url: str | None) -> str | None:
    """Normalise a PostgreSQL URL to the psycopg 3 driver."""
    if url and url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    """The setting `name` as a whole number of 0 or more; RuntimeError naming it for anything else."""
    value = env.get(name, str(default)).strip()
    if not value.isdigit():
        raise RuntimeError(f"{name} must be a whole number (0 or more), not {value!r}")
    return int(value)


def _instance_secret() -> str:
    """A per-checkout secret kept under instance/, so development sessions survive a restart."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _settings(env: Mapping[str, str]) -> type:
    """The settings `env` gives (each default where its variable is unset), as a class to inherit from."""
    instance = Path(env.get("SILKROAD_INSTANCE", BASE_DIR / "instance"))

    class Settings:
        SECRET_KEY = env.get("SECRET_KEY")
        PASSWORD_HASH_METHOD = "scrypt"  # Werkzeug's scrypt with its default work factor
        SQLALCHEMY_DATABASE_URI = _database_url(env.get("DATABASE_URL")) or (
            f"sqlite:///{instance / 'silkroad.db'}"
        )
        SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        # The longest a request waits for another's database lock (SQLite busy timeout, PostgreSQL
        # lock_timeout) before it is answered 503 with Retry-After; and, on PostgreSQL, the longest one
        # statement may run (0: no limit).
        DATABASE_LOCK_TIMEOUT = float(env.get("DATABASE_LOCK_TIMEOUT", 5))
        DATABASE_STATEMENT_TIMEOUT = float(env.get("DATABASE_STATEMENT_TIMEOUT", 30))
        # The site's public address (https://shop.example.org): hreflang links and payment return URLs use it,
        # never the request's Host header. Required in production; development falls back to the request.
        SITE_URL = (env.get("SITE_URL") or "").rstrip("/") or None
        # How many reverse proxies stand in front of the application (nginx: 1). Their X-Forwarded-For,
        # -Proto and -Host headers are believed for that many hops; 0 ignores them (marketplace/core/proxy.py).
        TRUSTED_PROXIES = _whole_number(env, "TRUSTED_PROXIES", 0)
        REDIS_URL = env.get("REDIS_URL")
        # "json": every log line, and one access line per request, as JSON on stderr; "text": Flask's plain
        # lines and no access lines (marketplace/core/request_log.py).
        LOG_FORMAT = env.get("LOG_FORMAT", "json")
        # /readyz: the longest each dependency (database, Redis, search) may take to answer, in seconds.
        READINESS_TIMEOUT = float(env.get("READINESS_TIMEOUT", 2))
        INSTANCE_PATH = str(instance)
        MEDIA_STORE = env.get("MEDIA_STORE", "local")
        MEDIA_ROOT = env.get("MEDIA_ROOT", str(instance / "media"))
        # "rq": photos are processed by an RQ worker after the upload returns; "inline": during the upload.
        IMAGE_JOBS = env.get("IMAGE_JOBS", "rq" if env.get("REDIS_URL") else "inline")
        RQ_QUEUE = env.get("RQ_QUEUE", "silkroad")
        # Uploads that are never served publicly: verification documents, photo originals awaiting processing.
        PRIVATE_UPLOAD_DIR = env.get("PRIVATE_UPLOAD_DIR", str(instance / "private"))
        SEARCH_BACKEND = env.get("SEARCH_BACKEND", "whoosh")
        SEARCH_INDEX_DIR = env.get("SEARCH_INDEX_DIR", str(instance / "search-index"))
        # "rq": index refreshes go to Redis for one `flask search worker`; "inline": the writing process applies them.
        SEARCH_QUEUE = env.get("SEARCH_QUEUE", "rq" if env.get("REDIS_URL") else "inline")
        SEARCH_REFRESH_SECONDS = float(env.get("SEARCH_REFRESH_SECONDS", "1.0"))
        SEARCH_WARM_UP = True  # load the glossary in the background at start-up (jieba waits for Chinese text)
        SEARCH_BUILD_PROCESSES = int(env.get("SEARCH_BUILD_PROCESSES", 0))  # 0: the cores, at most 4
        PAYMENT_GATEWAY = env.get("PAYMENT_GATEWAY", "offline")
        CHARGE_CURRENCY = env.get("CHARGE_CURRENCY", "USD")
        RESERVATION_MINUTES = int(env.get("RESERVATION_MINUTES", 35))  # Stripe's session lives 30 min or more
        COMMISSION_RATE = env.get("COMMISSION_RATE", "0")  # the campaign's share of each sale, e.g. "0.05"
        CART_MAX_QUANTITY = 99  # per line: more is a wholesale enquiry, not a cart
        STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY")
        STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET")
        STRIPE_API_BASE = env.get("STRIPE_API_BASE")  # tests point the gateway at a local server
        STRIPE_PAYMENT_METHODS = env.get("STRIPE_PAYMENT_METHODS", "card,alipay,wechat_pay").split(",")

        # Uploads: product photos and verification documents are well under this.
        MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
        MAX_FORM_MEMORY_SIZE = 500 * 1024  # the text of one form (files excepted): far above any real form
        API_MAX_BODY = 1024 * 1024  # a JSON body under /api/
        JSON_MAX_DEPTH = 32  # nesting of a JSON body: the API's documents are 3 deep

        SESSION_COOKIE_NAME = "srm_session"
        SESSION_COOKIE_HTTPONLY = True
        SESSION_COOKIE_SAMESITE = "Lax"
        SESSION_COOKIE_SECURE = True
        REMEMBER_COOKIE_HTTPONLY = True
        REMEMBER_COOKIE_SAMESITE = "Lax"
        REMEMBER_COOKIE_SECURE = True
        PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600
        HSTS = True

        WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        RATELIMIT_STORAGE_URI = env.get("REDIS_URL") or "memory://"
        # Key prefixes in Redis, for sites (or test runs) sharing one Redis database.
        RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX", "")
        PAGE_CACHE_PREFIX = env.get("PAGE_CACHE_PREFIX", "srm:pages:")
        WAITING_ROOM_KEY_PREFIX = env.get("WAITING_ROOM_KEY_PREFIX", "srm:waiting:")
        RATELIMIT_HEADERS_ENABLED = True
        LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")

        BABEL_DEFAULT_LOCALE = "en"
        BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
        PAGE_SIZE = 24
        # The view "the home page" links and redirects go to: the core names no feature, the campaign owns it.
        HOME_ENDPOINT = "campaigns.home"
        # Anonymous shoppers' catalogue pages are kept this long at most (0 turns the cache off).
        PAGE_CACHE_SECONDS = int(env.get("PAGE_CACHE_SECONDS", 30))
        ASSET_MAX_AGE = 365 * 24 * 3600
        CAMPAIGN_STORE_TARGET = 100
        CAMPAIGN_PRODUCT_TARGET = 1000
        # The campaign's reports: days run from midnight to midnight in this zone, money is shown in this currency.
        CAMPAIGN_TIME_ZONE = env.get("CAMPAIGN_TIME_ZONE", "Africa/Nairobi")
        REPORTING_CURRENCY = env.get("REPORTING_CURRENCY", env.get("CHARGE_CURRENCY", "USD"))
        # Shopper-journey counts (product pages, add-to-carts, checkout starts) are kept in each worker and
        # written every FUNNEL_FLUSH_SECONDS, or once FUNNEL_FLUSH_EVENTS have gathered (0 s: only then, no thread).
        FUNNEL_FLUSH_SECONDS = float(env.get("FUNNEL_FLUSH_SECONDS", 10))
        FUNNEL_FLUSH_EVENTS = int(env.get("FUNNEL_FLUSH_EVENTS", 1000))
        # "redis": every worker sends its counts to Redis (one hash for the site) every FUNNEL_PUSH_SECONDS and
        # the job worker or the scheduled `flask reporting flush-counts` writes them; "memory": each worker
        # writes its own batches.
        FUNNEL_COUNTER = env.get("FUNNEL_COUNTER", "redis" if env.get("REDIS_URL") else "memory")
        FUNNEL_REDIS_PREFIX = env.get("FUNNEL_REDIS_PREFIX", "srm:funnel:")
        FUNNEL_PUSH_SECONDS = float(env.get("FUNNEL_PUSH_SECONDS", 1))  # "redis": how often a worker sends its counts
        # Festival results and the campaign dashboard are kept this long, in Redis with REDIS_URL (every
        # worker shares them), else per worker; REPORT_CACHE_PREFIX prefixes their keys.
        REPORT_CACHE_PREFIX = env.get("REPORT_CACHE_PREFIX", "srm:reports:")
        DASHBOARD_CACHE_SECONDS = int(env.get("DASHBOARD_CACHE_SECONDS", 60))  # 0: worked out on every request
        # A kept report past its minute is answered while a thread works it out again (no staff member waits).
        REPORT_REFRESH_IN_BACKGROUND = env.get("REPORT_REFRESH_IN_BACKGROUND", "1") not in ("0", "false", "no")
        # The working days within which staff promise to decide a vendor application (said on the join page).
        VENDOR_REVIEW_DAYS = int(env.get("VENDOR_REVIEW_DAYS", 3))
        # Festivals: e-mail goes to an outbox folder of .eml files until a real adapter is configured.
        MAIL_BACKEND = env.get("MAIL_BACKEND", "outbox")
        MAIL_OUTBOX_DIR = env.get("MAIL_OUTBOX_DIR", str(instance / "outbox"))
        MAIL_SENDER = env.get("MAIL_SENDER", "festivals@silkroad.local")
        # "rq": order e-mails are sent by the RQ_QUEUE worker (retried when the server fails); "inline": at once.
        MAIL_QUEUE = env.get("MAIL_QUEUE", "rq" if env.get("REDIS_URL") else "inline")
        # MAIL_BACKEND=smtp: the server that delivers (a relay or a provider's submission port).
        MAIL_SMTP_HOST = env.get("MAIL_SMTP_HOST", "")
        MAIL_SMTP_PORT = int(env.get("MAIL_SMTP_PORT", 587))
        MAIL_SMTP_USERNAME = env.get("MAIL_SMTP_USERNAME", "")
        MAIL_SMTP_PASSWORD = env.get("MAIL_SMTP_PASSWORD", "")
        MAIL_SMTP_SECURITY = env.get("MAIL_SMTP_SECURITY", "starttls")  # starttls, ssl (port 465) or none
        MAIL_SMTP_TIMEOUT = float(env.get("MAIL_SMTP_TIMEOUT", 10))
        # Reminders go out this long before a festival or a saved deal opens.
        FESTIVAL_REMINDER_MINUTES = int(env.get("FESTIVAL_REMINDER_MINUTES", 60))
        # Lecture certificates: a folder searched first for the Noto fonts (Debian's folders after it).
        CERTIFICATE_FONT_DIR = env.get("CERTIFICATE_FONT_DIR", "")


    return Settings


class Config(_settings(os.environ)):
    """The settings of this process's environment."""

class DevelopmentConfig(Config):
    DEBUG = False  # `make run` serves the demo; the debugger stays off so it is safe on a LAN
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS = False

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            self.SECRET_KEY = _instance_secret()


class ProductionConfig(Config):
    def __init__(self) -> None:
        if not self.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")
        if not self.SITE_URL:
            raise RuntimeError("SITE_URL must be set in production (e.g. https://shop.example.org)")


class TestingConfig(_settings({})):
    """The suite's settings: the defaults of an empty environment, never the shell's variables (a
    production DATABASE_URL, REDIS_URL or PAYMENT_GATEWAY left in a shell must not reach a test)."""

    TESTING = True
    LOG_FORMAT = "text"  # the suite's output stays readable; tests that need JSON lines turn it on
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    REDIS_URL = None
    PAGE_CACHE_SECONDS = 0
    IMAGE_JOBS = "inline"
    SEARCH_INDEX_DIR = "memory"  # the session's app sets a folder; other test apps need no files
    SEARCH_QUEUE = "inline"
    SEARCH_REFRESH_SECONDS = 0.0
    SEARCH_WARM_UP = False
    MAIL_BACKEND = "memory"
    MAIL_QUEUE = "inline"
    FUNNEL_FLUSH_SECONDS = 0  # journey counts are written when a test flushes them, never by a thread
    FUNNEL_COUNTER = "memory"
    FUNNEL_PUSH_SECONDS = 0  # counts go to Redis when a test flushes them, never by a thread
    DASHBOARD_CACHE_SECONDS = 0  # every test reads its own figures; the cache's tests turn it on
    REPORT_REFRESH_IN_BACKGROUND = False  # tests that want the refreshing thread turn it on and wait for it
    # Scrypt with a small work factor: the suite logs in thousands of times (production keeps the default).
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_from_env() -> Config:
    """The configuration named by SILKROAD_ENV (development when unset)."""
    name = os.environ.get("SILKROAD_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"SILKROAD_ENV must be one of {', '.join(CONFIGS)}")
    return CONFIGS[name]()
