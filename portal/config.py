"""Settings read from PORTAL_* environment variables, each with an embedded default.

Every piece of embedded state (SQLite files, uploaded files, the search index, the job queue,
the generated secret key) lives in the instance folder, so two instances with different
PORTAL_INSTANCE folders share nothing.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _secret_key(instance: Path) -> str:
    """Return PORTAL_SECRET_KEY, or a key generated once and kept in the instance folder."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def parse_refresh(value: str) -> float | None:
    if value.strip().lower() in ("", "sync"):
        return None
    seconds = float(value)
    if not 0 < seconds <= 60:
        raise ValueError("PORTAL_SEARCH_REFRESH must be 'sync' or seconds between 0 and 60")
    return seconds


@dataclass
class Settings:
    instance: Path
    database_url: str
    storage_url: str
    search_url: str
    queue_url: str
    secret_key: str
    site_url: str
    port: int = 5000
    max_upload_bytes: int = 512 * 1024 * 1024
    max_json_bytes: int = 16 * 1024 * 1024
    # Check resource links in the background after each save (PORTAL_LINKCHECK=0 turns it off).
    link_check: bool = True
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto/-Host to trust
    # (PORTAL_TRUSTED_PROXIES): the client address throttles logins and counts downloads.
    trusted_proxies: int = 0
    # Cookies marked Secure and HSTS sent (PORTAL_SECURE_COOKIES); on when the site is https.
    secure_cookies: bool = False
    # How writes reach the search index (PORTAL_SEARCH_REFRESH): None ("sync") indexes before
    # the action returns; seconds (`portal serve` uses 0.5) leave it to the job worker, which
    # applies the outbox that often, so a write is searchable within about that delay.
    search_refresh: float | None = None
    # Where the DataStore keeps tabular rows (PORTAL_DATASTORE_URL): a SQLite file in the
    # instance folder by default, a postgresql:// URL at scale. Empty: the default.
    datastore_url: str = ""
    # Whether linked (not uploaded) tabular files are fetched into the DataStore
    # (PORTAL_DATASTORE_LINKS); None follows link_check: both reach out to resource links.
    datastore_links: bool | None = None
    # How long one datastore_search_sql query may run, in seconds (PORTAL_DATASTORE_SQL_TIMEOUT).
    datastore_sql_timeout: float = 5.0
    # Citizens may create their own accounts (PORTAL_REGISTRATION=0 turns it off); the account
    # works once the link mailed to its address is followed, so it needs smtp_url as well.
    registration: bool = True
    # Where mail goes out (PORTAL_SMTP_URL): smtp://[user:password@]host[:port][?starttls=1],
    # or smtps:// for TLS from the start. Empty: no mail, so neither registration nor password
    # reset by e-mail is offered.
    smtp_url: str = ""
    # The sender of the portal's mail (PORTAL_MAIL_FROM).
    mail_from: str = "noreply@localhost"
    # Who may read /metrics (PORTAL_METRICS_TOKEN): empty, only loopback clients not relayed by
    # a proxy; set, only requests sending it as `Authorization: Bearer <token>` (portal.metrics).
    metrics_token: str = ""
    # PORTAL_LOG_FORMAT=json: one JSON object a line, and one line per request (portal.request_log).
    log_format: str = "text"
    # Action API rate limits (portal.apps.limits), in flask-limiter's notation: per address
    # (hashed) for callers without a key, per key otherwise; an application may set its own.
    rate_limit_anonymous: str = "60/minute"
    rate_limit_key: str = "600/minute"
    # PORTAL_RATE_LIMITS=0/1; None: on, except in a testing app (a test turns them on).
    rate_limits: bool | None = None
    # Where the counters live (PORTAL_RATE_LIMIT_STORAGE_URL); empty: the queue's Redis when
    # PORTAL_QUEUE_URL is redis://, else memory:// (one process's own counters).
    rate_limit_storage_url: str = ""
    # How many feedback items and replies one user may post in an hour (PORTAL_FEEDBACK_PER_HOUR):
    # the spam limit of dataset feedback; sysadmins are not limited.
    feedback_per_hour: int = 10
    # How many reuses one user may submit in 24 hours (PORTAL_REUSE_DAILY_LIMIT); sysadmins
    # are not limited. New reuses are public at once, so this bounds what a spammer can post.
    reuse_daily_limit: int = 5
    # How many data requests one user may make in 24 hours (PORTAL_DATAREQUEST_DAILY_LIMIT);
    # sysadmins are not limited. Requests are public at once, like reuses.
    datarequest_daily_limit: int = 5
    # Days a department has to review an application for a conditionally open dataset's data
    # (PORTAL_ACCESS_REVIEW_DAYS); a pending one past them is shown as overdue.
    access_review_days: int = 15
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if environ is None else environ)
        instance = Path(overrides.pop("instance", None) or env.get("PORTAL_INSTANCE", "instance"))
        instance = instance.resolve()
        instance.mkdir(parents=True, exist_ok=True)
        port = int(env.get("PORTAL_PORT", "5000"))
        values = {
            "instance": instance,
            "database_url": env.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}",
            "storage_url": env.get("PORTAL_STORAGE_URL") or f"file://{instance / 'files'}",
            "search_url": env.get("PORTAL_SEARCH_URL") or f"tantivy://{instance / 'search'}",
            "queue_url": env.get("PORTAL_QUEUE_URL") or f"sqlite:///{instance / 'queue.db'}",
            "secret_key": env.get("PORTAL_SECRET_KEY") or _secret_key(instance),
            "site_url": (env.get("PORTAL_SITE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            "port": port,
        }
        if not _flag(env.get("PORTAL_LINKCHECK", "1")):
            values["link_check"] = False
        if "PORTAL_TRUSTED_PROXIES" in env:
            values["trusted_proxies"] = int(env["PORTAL_TRUSTED_PROXIES"])
        values["secure_cookies"] = values["site_url"].startswith("https://")
        if "PORTAL_SECURE_COOKIES" in env:
            values["secure_cookies"] = _flag(env["PORTAL_SECURE_COOKIES"])
        if "PORTAL_SEARCH_REFRESH" in env:
            values["search_refresh"] = parse_refresh(env["PORTAL_SEARCH_REFRESH"])
        if "PORTAL_MAX_JSON_MB" in env:
            values["max_json_bytes"] = int(env["PORTAL_MAX_JSON_MB"]) * 1024 * 1024
        if "PORTAL_MAX_UPLOAD_MB" in env:
            values["max_upload_bytes"] = int(env["PORTAL_MAX_UPLOAD_MB"]) * 1024 * 1024
        values["datastore_url"] = env.get("PORTAL_DATASTORE_URL") or (
            f"sqlite:///{instance / 'datastore.db'}"
        )
        if "PORTAL_DATASTORE_SQL_TIMEOUT" in env:
            values["datastore_sql_timeout"] = float(env["PORTAL_DATASTORE_SQL_TIMEOUT"])
        if "PORTAL_DATASTORE_LINKS" in env:
            values["datastore_links"] = _flag(env["PORTAL_DATASTORE_LINKS"])
        if "PORTAL_REGISTRATION" in env:
            values["registration"] = _flag(env["PORTAL_REGISTRATION"])
        values["smtp_url"] = env.get("PORTAL_SMTP_URL", "").strip()
        if env.get("PORTAL_MAIL_FROM"):
            values["mail_from"] = env["PORTAL_MAIL_FROM"].strip()
        values["metrics_token"] = env.get("PORTAL_METRICS_TOKEN", "").strip()
        values["log_format"] = env.get("PORTAL_LOG_FORMAT", "text").strip().lower() or "text"
        for key in ("anonymous", "key", "storage_url"):
            name = f"PORTAL_RATE_LIMIT_{key.upper()}"
            if env.get(name, "").strip():
                values[f"rate_limit_{key}"] = env[name].strip()
        if "PORTAL_RATE_LIMITS" in env:
            values["rate_limits"] = _flag(env["PORTAL_RATE_LIMITS"])
        if "PORTAL_FEEDBACK_PER_HOUR" in env:
            values["feedback_per_hour"] = int(env["PORTAL_FEEDBACK_PER_HOUR"])
        if "PORTAL_REUSE_DAILY_LIMIT" in env:
            values["reuse_daily_limit"] = int(env["PORTAL_REUSE_DAILY_LIMIT"])
        if "PORTAL_DATAREQUEST_DAILY_LIMIT" in env:
            values["datarequest_daily_limit"] = int(env["PORTAL_DATAREQUEST_DAILY_LIMIT"])
        if "PORTAL_ACCESS_REVIEW_DAYS" in env:
            values["access_review_days"] = int(env["PORTAL_ACCESS_REVIEW_DAYS"])
        values.update(overrides)
        return cls(**values)
