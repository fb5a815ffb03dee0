"""The machine's services the suite may use: the CI Redis named by TEST_REDIS_URL."""
from __future__ import annotations

import os

import pytest


def ci_redis():
    """(url, connection) of the Redis TEST_REDIS_URL names; the test fails, never skips, when it is unreachable."""
    import redis

    url = os.environ["TEST_REDIS_URL"]
    connection = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        connection.ping()
    except redis.RedisError as exc:
        pytest.fail(f"TEST_REDIS_URL is set but Redis cannot be reached: {exc}", pytrace=False)
    return url, connection
