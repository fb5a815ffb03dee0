"""The files in deploy/ are what an operator installs: nginx accepts the site as shipped (only the machine's
paths swapped for a temp folder), and the web unit starts the same gunicorn the tests start."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from config import BASE_DIR
from tests.production.servers import nginx_binary

DEPLOY = BASE_DIR / "deploy"

pytestmark = pytest.mark.production


def test_nginx_accepts_the_shipped_site(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl makes the stand-in certificate")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S603
                    "-subj", "/CN=shop.example.org", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "silkroad.conf").read_text()
    for machine_path, stand_in in {
        "/etc/letsencrypt/live/shop.example.org/fullchain.pem": tmp_path / "cert.pem",
        "/etc/letsencrypt/live/shop.example.org/privkey.pem": tmp_path / "key.pem",
        "/var/cache/nginx/silkroad": tmp_path / "cache",
        "/var/log/nginx/": f"{tmp_path}/",
    }.items():
        assert machine_path in site
        site = site.replace(machine_path, str(stand_in))
    (tmp_path / "silkroad.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/silkroad.conf;\n}}\n")
    result = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),  # noqa: S603
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def unit_setting(unit: Path, name: str) -> str:
    [line] = [line for line in unit.read_text().splitlines() if line.startswith(f"{name}=")]
    return line.partition("=")[2]


def test_the_web_unit_binds_loopback_without_a_control_socket_and_stops_gracefully():
    unit = DEPLOY / "systemd" / "silkroad-web@.service"
    command = unit_setting(unit, "ExecStart")
    assert "--config gunicorn.conf.py" in command and "--no-control-socket" in command
    assert "--bind 127.0.0.1:%i" in command, "TRUSTED_PROXIES=1 needs a loopback bind"
    assert unit_setting(unit, "KillSignal") == "SIGTERM"
    assert int(unit_setting(unit, "TimeoutStopSec")) > 30, "longer than gunicorn's graceful timeout"
    environment = (DEPLOY / "silkroad.env.example").read_text()
    assert "TRUSTED_PROXIES=1" in environment and "SILKROAD_ENV=production" in environment
    for job in ("reminders", "reconcile"):
        assert (DEPLOY / "jobs" / job).exists() and (DEPLOY / "systemd" / f"silkroad-job@{job}.timer").exists()
