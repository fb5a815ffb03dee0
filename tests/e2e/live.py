"""Serving an app on 127.0.0.1 for browser tests."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(app):
    """Serve `app` on a free port of 127.0.0.1 in a thread; stop it and release its database after."""
    from marketplace.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
