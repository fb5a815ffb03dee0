"""gunicorn settings for `make run` and for production (README, "Serving in production").

Threaded workers that shed load: a request queued behind too many others, or for too long, is answered 503
with Retry-After at once instead of timing out (marketplace/core/serving.py). Run on CPython 3.12 or newer:
under load, 3.11's cyclic garbage collector crashes threaded workers.

The application is built once in the master (`preload_app`), which also loads jieba's dictionary and the
search glossary there, so every worker shares those pages instead of reading them again; what cannot
cross a fork safely — database connections — is let go in each new worker (`post_fork`). Every setting
below can be overridden on the command line.
"""
import os
import threading


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


# One worker per core (at least 2, so one busy or restarting worker never stops the site), each with
# WEB_THREADS threads for requests that wait on the database.
workers = int(os.environ.get("WEB_WORKERS", max(2, _cores())))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "marketplace.core.serving.SheddingThreadWorker"
preload_app = True
timeout = int(os.environ.get("WEB_TIMEOUT", 30))  # a worker silent this long is killed and replaced
# On SIGTERM a worker stops accepting and finishes the requests it has (a checkout takes well under a
# second, a queued one up to WEB_MAX_QUEUE_SECONDS_WRITES); only past this is it killed.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 30))
keepalive = 5
backlog = 2048  # connections the kernel holds before a worker accepts them (and sheds the excess)
# Each worker is replaced after about this many requests, at staggered times, so slow growth of memory
# (caches, fragmentation) never adds up and never restarts every worker at once. A replacement costs the
# site about a second of one worker (gunicorn starts the new one after the old has gone) and the new one's
# in-process page cache starts empty: at 5,000 a busy festival opening replaced a worker every few seconds.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 20000))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", 2000))
control_socket_disable = True  # nothing here uses gunicorn's control socket: no file to leave behind
# The application writes one JSON line per request (marketplace/core/request_log.py), with the user and
# the request id gunicorn does not know; gunicorn's own lines are JSON too.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True, "qualname": "gunicorn.error"},
        # gunicorn's own access lines are off: the application writes richer ones.
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False, "qualname": "gunicorn.access"},
        "alembic": {"level": "WARNING", "handlers": [], "propagate": True},  # its start-up chatter
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "formatters": {"json": {"()": "marketplace.core.request_log.JsonFormatter"}},
}


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Refuse to start, before any socket is opened, when TRUSTED_PROXIES is set but a bind address is
    reachable without the proxy. Checked here and not in the app factory: only gunicorn knows where it
    listens, and the same factory also builds the CLI, the job worker and the tests, which listen nowhere."""
    from config import Config
    from marketplace.core.proxy import check_proxy_binds

    check_proxy_binds(server.cfg.bind, Config.TRUSTED_PROXIES)


def when_ready(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Before the first fork: load what every worker reads (jieba's dictionary, the glossary, compiled
    templates, translations) once, and let go of any database connection the master opened while building
    the app."""
    if not server.cfg.preload_app:
        return
    from marketplace.core.serving import release_connections, warm_up
    from marketplace.search.analyzers import chinese_segmenter
    from marketplace.search.glossary import get_glossary

    app = server.app.wsgi()
    with app.app_context():
        get_glossary()
        chinese_segmenter()
    warm_up(app)  # templates, translations, locale data: a replaced worker is fast from its first request
    for thread in threading.enumerate():  # the app's own warm-up: finished before forking, never half-done
        if thread.name == "search-warm-up":
            thread.join()
    release_connections(app, close=True)


def post_fork(server, worker) -> None:  # noqa: ANN001 - gunicorn's Arbiter and Worker
    """In each new worker: drop the pooled connections inherited from the master without closing them
    (they are the master's sockets), so the worker opens its own."""
    if server.cfg.preload_app:
        from marketplace.core.serving import release_connections

        release_connections(server.app.wsgi(), close=False)
