"""Rate limits on the Action API: 429 with Retry-After and CKAN's error body after N calls,
one counter per key, anonymous callers counted by a keyed hash of their address."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from portal import create_app
from portal.apps.limits import enabled, storage_url
from portal.auth.throttle import address_key
from portal.config import Settings

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
ANONYMOUS, KEY = 3, 5


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Limits on (a testing app has them off), small enough to reach in a test."""
    return replace(
        settings,
        rate_limits=True,
        rate_limit_anonymous=f"{ANONYMOUS}/minute",
        rate_limit_key=f"{KEY}/minute",
    )


def app_key(api, person, **fields: Any) -> str:
    created = api.ok("app_create", person, name="公交到站提醒", url="https://bus.example.cn")
    if fields:
        admin = fields.pop("admin")
        api.ok("app_update", admin, id=created["id"], **fields)
    return api.ok("app_key_create", person, app_id=created["id"])["token"]


def call(client, token: str | None = None, address: str = "127.0.0.1", path: str = "") -> Any:
    headers = {"Authorization": token} if token else {}
    return client.get(
        path or "/api/3/action/status_show",
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Remaining"] == "0"
    body = response.get_json()
    assert body["success"] is False and body["help"].endswith("name=status_show")
    assert body["error"]["__type"] == "Rate Limit Error"
    assert "per 1 minute" in body["error"]["message"]


def test_anonymous_caller_gets_429_with_retry_after_after_the_limit(client):
    for remaining in range(ANONYMOUS - 1, -1, -1):
        response = call(client)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == str(ANONYMOUS)
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    assert_refused(call(client))
    # Both API prefixes share the one counter.
    assert call(client, path="/api/action/package_search").status_code == 429


def test_each_key_has_its_own_counter_apart_from_the_address(api, cast):
    first, second = app_key(api, cast.stranger), app_key(api, cast.member)
    for _ in range(KEY):
        assert call(api.client, first).status_code == 200
    assert_refused(call(api.client, first))
    fresh = call(api.client, second)
    assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == str(KEY - 1)
    anonymous = call(api.client)
    assert anonymous.headers["X-RateLimit-Remaining"] == str(ANONYMOUS - 1)


def test_an_application_can_have_its_own_limit(api, cast):
    token = app_key(api, cast.stranger, admin=cast.sysadmin, rate_limit="2/minute")
    assert call(api.client, token).headers["X-RateLimit-Limit"] == "2"
    assert call(api.client, token).status_code == 200
    response = call(api.client, token)
    assert response.status_code == 429 and response.headers["X-RateLimit-Limit"] == "2"


def test_anonymous_callers_are_counted_per_hashed_address(app: Flask, client):
    for _ in range(ANONYMOUS):
        call(client, address="203.0.113.7")
    assert call(client, address="203.0.113.7").status_code == 429
    assert call(client, address="198.51.100.20").status_code == 200
    stored = " ".join(map(str, app.extensions["portal.limiter"].storage.events))
    assert "203.0.113.7" not in stored and "198.51.100.20" not in stored
    assert address_key("203.0.113.7", app.config["SECRET_KEY"]) in stored


def test_invalid_token_is_limited_as_its_address(client):
    for _ in range(ANONYMOUS):
        assert call(client, "odp_not-a-token").status_code == 403
    assert_refused(call(client, "odp_not-a-token"))
    assert call(client).status_code == 429  # the same address, with or without a bad token


def test_pages_health_and_feeds_are_not_limited(client):
    for _ in range(ANONYMOUS + 2):
        for path in ("/healthz", "/", "/dataset", "/api/3/openapi.json"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "X-RateLimit-Limit" not in response.headers, path
    assert call(client).status_code == 200


def test_limits_are_off_in_a_testing_app_unless_turned_on(settings):
    default = create_app(replace(settings, rate_limits=None))
    assert enabled(default) is True  # a real server limits by default
    default.config["TESTING"] = True
    assert enabled(default) is False
    client = default.test_client()
    for _ in range(ANONYMOUS + 2):
        response = call(client)
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
    default.extensions["portal.db"].dispose()


def test_storage_is_memory_or_the_queue_redis_or_its_own_setting(settings):
    assert storage_url(replace(settings, queue_url="memory://")) == "memory://"
    queue = replace(settings, queue_url="redis://127.0.0.1:6379/3")
    assert storage_url(queue) == "redis://127.0.0.1:6379/3"
    own = replace(queue, rate_limit_storage_url="redis://10.0.0.5:6379/1")
    assert storage_url(own) == "redis://10.0.0.5:6379/1"
    env = Settings.from_env(
        {"PORTAL_RATE_LIMIT_KEY": "100/second", "PORTAL_RATE_LIMITS": "0"},
        instance=settings.instance,
    )
    assert env.rate_limit_key == "100/second" and env.rate_limits is False
    assert env.rate_limit_anonymous == "60/minute"


@pytest.mark.redis
def test_two_web_nodes_share_one_counter_in_redis(settings, api, cast):
    if not REDIS_URL:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set (make test-redis sets it)")
    shared = replace(settings, rate_limit_storage_url=REDIS_URL)
    nodes = [create_app(shared), create_app(shared)]
    for node in nodes:
        node.config["TESTING"] = True
    token = app_key(api, cast.stranger)  # a fresh key: its counter is new in Redis
    clients = [node.test_client() for node in nodes]
    for number in range(KEY):
        assert call(clients[number % 2], token).status_code == 200
    assert_refused(call(clients[0], token))
    assert_refused(call(clients[1], token))
    for node in nodes:
        node.extensions["portal.db"].dispose()
