"""The Alembic migrations build exactly the schema the models describe, on each database."""
from __future__ import annotations

import uuid

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from config import TestingConfig
from marketplace import create_app
from marketplace.extensions import db


def test_migrations_match_the_models(app, tmp_path):
    settings = {"MEDIA_ROOT": str(tmp_path)}
    schema = None
    if app.config["BACKEND"] == "sqlite":
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        schema = f"migration_{uuid.uuid4().hex[:8]}"
        with db.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    migrated = create_app(type("Config", (TestingConfig,), settings))
    try:
        with migrated.app_context():
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            assert differences == []
            flask_migrate.downgrade(revision="base")
            db.engine.dispose()
    finally:
        if schema:
            with db.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
