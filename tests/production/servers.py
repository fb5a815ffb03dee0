"""Real servers for the production tests: gunicorn instances with the project's gunicorn.conf.py, and nginx
in front of them, each a child process of the test listening on 127.0.0.1 and stopped by it.

Nothing here asserts on time: waiting for a server to answer polls until a generous limit, past which the
test fails with the server's log.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import BASE_DIR

START_SECONDS = 90  # building the app and loading jieba in the master, on a loaded CI machine
STOP_SECONDS = 60


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None,
         timeout: float = 90, source: str | None = None) -> Answer:
    """One HTTP request to a server this test started on 127.0.0.1 (JSON body when given), from the local
    address `source` when given (another "client" of the same machine); its answer whatever the status,
    redirects not followed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise ValueError(f"the production tests only call servers they started on 127.0.0.1, not {url}")
    data = json.dumps(body).encode() if body is not None else None
    sent = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), data, sent)
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


@dataclass
class Server:
    """A child process serving on `url`, with its output in `log`."""

    process: subprocess.Popen
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_until_up(self, path: str = "/healthz") -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.url} exited with {self.process.returncode}:\n{self.output()[-4000:]}")
            try:
                if call(self.url + path, timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{self.url} did not answer within {START_SECONDS} s:\n{self.output()[-4000:]}")

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it will not go; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def app_environment(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of an app instance: the given database, its own instance folder, nothing from the shell
    that could point it at another database, Redis or payment provider."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    instance.mkdir(parents=True, exist_ok=True)
    return {**kept, "SILKROAD_ENV": "development", "SILKROAD_INSTANCE": str(instance), "DATABASE_URL": database_url,
            "PAYMENT_GATEWAY": "offline", "MAIL_BACKEND": "outbox", "PYTHONUNBUFFERED": "1", **extra}


@contextmanager
def gunicorn(environment: dict[str, str], log: Path, *arguments: str) -> Iterator[Server]:
    """gunicorn with the project's gunicorn.conf.py on a free port of 127.0.0.1, up and answering /healthz."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--no-control-socket",
             "--bind", f"127.0.0.1:{port}", *arguments, "wsgi:app"],
            cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


NGINX_SITE = """\
{user}worker_processes 1;  # one round robin: requests alternate between the instances
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream silkroad_app {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 17m;
        location / {{
            proxy_pass http://silkroad_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_connect_timeout 3s;
            proxy_read_timeout 90s;
            proxy_next_upstream error;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """Debian's nginx (the package `nginx`, which CI's .ci/run installs); the test fails without it."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        pytest.fail("nginx is not installed (Debian package nginx; .ci/run installs it)", pytrace=False)
    return found


@contextmanager
def nginx(upstreams: list[str], folder: Path) -> Iterator[Server]:
    """nginx on a free port of 127.0.0.1 sending requests to `upstreams` (round robin), run in the foreground
    as a child of the test with its configuration, pid and logs in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers = "\n".join(f"        server {urllib.parse.urlsplit(url).netloc};" for url in upstreams)
    # As root, nginx's workers would switch to "nobody", who cannot enter the test's private temp folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    configuration = folder / "nginx.conf"
    configuration.write_text(NGINX_SITE.format(user=user, folder=folder, servers=servers, port=port))
    log = folder / "output.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - Debian's nginx with our configuration
            [nginx_binary(), "-p", str(folder), "-c", str(configuration), "-e", str(folder / "error.log"),
             "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()
