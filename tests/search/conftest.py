"""Search fixtures: the demo campaign seeded and indexed once per session (SQLite), for relevance tests."""
from __future__ import annotations

import pytest

from config import TestingConfig
from marketplace import create_app
from marketplace.extensions import db


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    """An app on its own SQLite file with the demo seed (100 stores, 1,000 products) and a built index."""
    import campaigns.demo.seed as seed
    from marketplace.search.services import rebuild_index

    folder = tmp_path_factory.mktemp("demo")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'demo.db'}"
        MEDIA_ROOT = str(folder / "media")
        PRIVATE_UPLOAD_DIR = str(folder / "private")
        SEARCH_INDEX_DIR = str(folder / "index")

    app = create_app(Config)
    with pytest.MonkeyPatch.context() as patch, app.app_context():
        patch.setattr(seed, "DISTINCT_PICTURES", 8)  # pictures are not what this tests; drawing 1,000 is slow
        db.create_all()
        seed.seed_demo(stores=100, products=1000)
        rebuild_index(full=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
