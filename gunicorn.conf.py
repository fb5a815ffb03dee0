"""gunicorn settings for `make run` and a starting point for production (see README, "Serving").

Threaded workers (2 x 4 by default) that shed load: a request queued behind too many others, or for
too long, is answered 503 with Retry-After at once instead of timing out (marketplace/core/serving.py).
Run on CPython 3.12 or newer: under load, 3.11's cyclic garbage collector crashes threaded workers.
"""
import os

workers = int(os.environ.get("WEB_WORKERS", 2))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "marketplace.core.serving.SheddingThreadWorker"
timeout = 30  # a worker silent this long is restarted
graceful_timeout = 20
keepalive = 5
backlog = 2048  # connections the kernel holds before a worker accepts them (and sheds the excess)
accesslog = "-"


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Refuse to start, before any socket is opened, when TRUSTED_PROXIES is set but a bind address is
    reachable without the proxy. Checked here and not in the app factory: only gunicorn knows where it
    listens, and the same factory also builds the CLI, the job worker and the tests, which listen nowhere."""
    from config import Config
    from marketplace.core.proxy import check_proxy_binds

    check_proxy_binds(server.cfg.bind, Config.TRUSTED_PROXIES)
