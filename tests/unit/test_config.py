"""The test settings never take the shell's production variables; the others do."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELL = {"DATABASE_URL": "postgresql://shop@db.example.org/production", "REDIS_URL": "redis://cache.example.org/0",
         "PAYMENT_GATEWAY": "stripe", "STRIPE_SECRET_KEY": "sk_live_x", "SITE_URL": "https://shop.example.org",
         "MAIL_BACKEND": "smtp", "SILKROAD_INSTANCE": "/srv/silkroad", "SECRET_KEY": "production-secret"}
NAMES = ["SQLALCHEMY_DATABASE_URI", "REDIS_URL", "PAYMENT_GATEWAY", "STRIPE_SECRET_KEY", "SITE_URL", "MAIL_BACKEND",
         "MEDIA_ROOT", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "MAIL_QUEUE", "IMAGE_JOBS", "SEARCH_QUEUE"]


def settings_in_a_shell(class_name: str) -> dict:
    script = (f"import json, config; c = config.{class_name}; "
              f"print(json.dumps({{n: str(getattr(c, n)) for n in {NAMES!r}}}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **SHELL},  # noqa: S603
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_test_settings_ignore_the_shells_production_variables():
    testing = settings_in_a_shell("TestingConfig")
    assert testing["SQLALCHEMY_DATABASE_URI"] == "sqlite://" and testing["REDIS_URL"] == "None"
    assert testing["PAYMENT_GATEWAY"] == "offline" and testing["STRIPE_SECRET_KEY"] == "None"
    assert testing["SITE_URL"] == "None" and testing["MAIL_BACKEND"] == "memory"
    assert "/srv/silkroad" not in testing["MEDIA_ROOT"] and testing["SECRET_KEY"] == "test-secret-key"
    assert testing["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (testing["MAIL_QUEUE"], testing["IMAGE_JOBS"], testing["SEARCH_QUEUE"]) == ("inline",) * 3


def test_the_running_settings_take_them():
    running = settings_in_a_shell("Config")
    assert running["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop@db.example.org/production"
    assert running["PAYMENT_GATEWAY"] == "stripe" and running["SITE_URL"] == "https://shop.example.org"
    assert running["MEDIA_ROOT"] == "/srv/silkroad/media" and running["MAIL_QUEUE"] == "rq"
