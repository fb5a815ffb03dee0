"""The campaign on top of the storefront core: progress, pavilions, and the demo seed.

Depends on `marketplace`; `marketplace` never imports from here.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from campaigns.demo.cli import seed_demo_command
    from campaigns.progress.views import bp as progress_bp

    app.register_blueprint(progress_bp)
    app.cli.add_command(seed_demo_command)
