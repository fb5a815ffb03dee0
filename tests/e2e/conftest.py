"""Browser tests: Playwright driving Debian's Chromium against a live server with a demo catalogue.

Playwright cannot download its own browser here, so it launches the system Chromium. Without
Chromium the tests are skipped with a notice, unless E2E_REQUIRED is set (CI), where they fail.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.e2e.live import serving

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
E2E_DIR = Path(__file__).parent


def missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (make test installs it)"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = missing_browser()
    for item in items:
        if E2E_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if reason and not os.environ.get("E2E_REQUIRED"):
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def pytest_terminal_summary(terminalreporter):
    reason = missing_browser()
    if reason:
        terminalreporter.write_line(f"NOTE: browser tests did not run: {reason}.", yellow=True, bold=True)


def live_outbox_dir(tmp_path_factory) -> Path:
    """The folder the live server writes its e-mails to, as .eml files."""
    return tmp_path_factory.getbasetemp() / "live-outbox"


@pytest.fixture(scope="session")
def live_outbox(tmp_path_factory) -> Path:
    return live_outbox_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app with a small demo campaign (SQLite, local media, a searchable index), for `live_server`."""
    from config import DevelopmentConfig
    from marketplace import create_app
    from marketplace.extensions import db

    folder = tmp_path_factory.mktemp("live")

    class Config(DevelopmentConfig):
        SECRET_KEY = "browser-test-secret"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'live.db'}"
        MEDIA_ROOT = str(folder / "media")
        MAIL_OUTBOX_DIR = str(live_outbox_dir(tmp_path_factory))
        SEARCH_INDEX_DIR = str(folder / "search-index")
        PRIVATE_UPLOAD_DIR = str(folder / "private")
        RATELIMIT_ENABLED = False

    app = create_app(Config)
    with app.app_context():
        from campaigns.demo.seed import seed_demo
        from marketplace.search.services import rebuild_index

        db.create_all()
        seed_demo(stores=16, products=64)
        rebuild_index(full=True)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The demo app on 127.0.0.1; stopped after the session."""
    with serving(live_app) as base_url:
        yield base_url





@pytest.fixture(scope="session")
def browser():
    if os.environ.get("E2E_REQUIRED") and (reason := missing_browser()):
        pytest.fail(f"E2E_REQUIRED is set but {reason}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page in a 360 px wide phone-sized window."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def check_accessibility():
    """Run axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in bad
        ]
        assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(details)

    return check
