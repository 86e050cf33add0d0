"""Alerts: `run.alert(title, text, level, wait_duration)` with W&B's semantics.

An alert is stored with the run at once; when `NBTRACK_ALERT_WEBHOOK` is set it is
also POSTed as JSON (a Slack-compatible `{"text": ...}` body) from a background
thread, with a timeout; `finish` waits for pending deliveries a bounded time. Only
http:// and https:// webhooks are used, and redirects are not followed; anything
else (`file://`, `ftp://`, no host) is not contacted. A failing or refused webhook
never reaches the training loop: the failure is logged once and recorded on the
alert (`webhook="failed"`, `webhook_error=...`). The webhook URL itself (a Slack
URL is a secret) is never logged or stored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from .store import AlertRecord

__all__ = ["AlertLevel", "Alerts", "post_json", "webhook_problem", "WEBHOOK_ENV", "DEFAULT_WAIT"]

_log = logging.getLogger("nbtrack")

WEBHOOK_ENV = "NBTRACK_ALERT_WEBHOOK"
WEBHOOK_TIMEOUT = 10.0  # seconds for one POST; also how long `finish` waits for pending deliveries
DEFAULT_WAIT = 60.0  # W&B: without wait_duration, an alert with the same title is sent at most once a minute
_EMOJI = {"INFO": ":information_source:", "WARN": ":warning:", "ERROR": ":rotating_light:"}


class AlertLevel(str, Enum):
    """How serious an alert is (W&B's `wandb.AlertLevel`)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _level(level: Any) -> str:
    value = level.value if isinstance(level, AlertLevel) else str(level).upper()
    if value == "WARNING":
        value = "WARN"
    if value not in AlertLevel.__members__:
        raise ValueError(f"alert: level must be one of INFO, WARN, ERROR (or nbtrack.AlertLevel), not {level!r}")
    return value


def _seconds(wait_duration: Any) -> float:
    if wait_duration is None:
        return DEFAULT_WAIT
    if isinstance(wait_duration, timedelta):
        return wait_duration.total_seconds()
    if isinstance(wait_duration, bool) or not isinstance(wait_duration, (int, float)):
        raise TypeError(f"alert: wait_duration must be seconds (int, float) or a timedelta, not {wait_duration!r}")
    if wait_duration < 0:
        raise ValueError(f"alert: wait_duration must not be negative, got {wait_duration}")
    return float(wait_duration)


def webhook_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook, or None: only http(s) URLs with a host are POSTed to."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"{WEBHOOK_ENV} is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        given = f"a {scheme}:// URL" if scheme else "no URL scheme"
        return f"{WEBHOOK_ENV} must be an http:// or https:// URL, got {given}; the alert was not sent"
    if not host:
        return f"{WEBHOOK_ENV} has no host; the alert was not sent"
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook answers itself: a redirect (possibly to another scheme) is reported as the HTTP error it is."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_json(url: str, body: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT) -> None:
    """POST `body` as JSON to an http(s) `url`; raises on a bad URL, a connection problem or a non-2xx answer."""
    problem = webhook_problem(url)
    if problem is not None:
        raise ValueError(problem)
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "nbtrack"},
    )
    with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as response:
        response.read()


def webhook_body(alert: AlertRecord, run: Any) -> dict[str, Any]:
    """The JSON sent to the webhook: Slack's `text` plus the alert's fields under `nbtrack`."""
    text = (f"{_EMOJI[alert.level]} *{alert.title}*\n{alert.text}\n"
            f"_run {run.name} ({run.id}) in {run.project}_")
    return {
        "text": text,
        "nbtrack": {"level": alert.level, "title": alert.title, "text": alert.text, "run_id": run.id,
                    "run_name": run.name, "project": run.project, "created_at": alert.created_at},
    }


class Alerts:
    """A run's alerts: suppression by title within `wait_duration`, storage, webhook delivery."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._last_sent: dict[str, float] = {}
        self._threads: list[threading.Thread] = []
        self._warned: set[str] = set()  # webhook problems already logged for this run
        self.records: list[AlertRecord] = []
        self.version = 0  # bumps whenever an alert is added or its delivery changes (for views)

    def alert(self, title: str, text: str, level: Any = AlertLevel.INFO,
              wait_duration: Any = None) -> AlertRecord | None:
        """Raise an alert; returns it, or None when one with this title was sent within `wait_duration`."""
        if not isinstance(title, str) or not title:
            raise ValueError("alert: title must be a non-empty str")
        if not isinstance(text, str):
            raise TypeError(f"alert: text must be a str, not {type(text).__name__}")
        level_name, wait = _level(level), _seconds(wait_duration)
        now = time.time()
        with self._lock:
            last = self._last_sent.get(title)
            if last is not None and now - last < wait:
                _log.debug("nbtrack: alert %r suppressed (sent %.1fs ago, wait %.1fs)", title, now - last, wait)
                return None
            self._last_sent[title] = now
        url = os.environ.get(WEBHOOK_ENV) or None
        problem = webhook_problem(url) if url else None
        run = self._run
        fields = dict(level=level_name, title=title, text=text, created_at=now, wait_duration=wait,
                      webhook="none" if not url else "failed" if problem else "pending")
        try:
            record = run.store.add_alert(run.id, **fields)
        except Exception as exc:  # the alert still shows and is still posted
            _log.warning("nbtrack: could not store alert %r of run %s: %s", title, run.id, exc)
            record = AlertRecord(id=-1, run_id=run.id, **fields)
        self._set(record)
        # A record for those who collect nbtrack's logs, at INFO whatever the alert's level: the run's view shows
        # the alert itself, and Python's last-resort handler would print WARN and ERROR to stderr like a failure.
        _log.info("nbtrack alert [%s] %s: %s (run %s)", level_name, title, text, run.id,
                  extra={"nbtrack_alert_level": level_name})
        if problem is not None:
            self._refused(record, problem)
        elif url:
            thread = threading.Thread(target=self._deliver, args=(url, record), name="nbtrack-alert", daemon=True)
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return record

    def _set(self, record: AlertRecord) -> None:
        with self._lock:
            for i, old in enumerate(self.records):
                if old.id == record.id and old.created_at == record.created_at:
                    self.records[i] = record
                    break
            else:
                self.records.append(record)
            self.version += 1

    def _refused(self, record: AlertRecord, problem: str) -> None:
        """Record that the webhook was not contacted, and say why once per run."""
        if problem not in self._warned:
            self._warned.add(problem)
            _log.warning("nbtrack: %s", problem)
        self._outcome(record, "failed", problem)

    def _outcome(self, record: AlertRecord, outcome: str, error: str | None) -> None:
        from dataclasses import replace

        self._set(replace(record, webhook=outcome, webhook_error=error))
        if record.id >= 0:
            try:
                self._run.store.set_alert_webhook(record.id, outcome, error)
            except Exception as exc:
                _log.warning("nbtrack: could not record the webhook result of alert %r: %s", record.title, exc)

    def _deliver(self, url: str, record: AlertRecord) -> None:
        try:
            post_json(url, webhook_body(record, self._run))
        except urllib.error.HTTPError as exc:
            outcome, error = "failed", f"HTTP {exc.code} {exc.reason}"
        except Exception as exc:  # connection refused, timeout, bad URL, ...
            reason = getattr(exc, "reason", None) or exc
            outcome, error = "failed", f"{type(exc).__name__}: {reason}"
        else:
            outcome, error = "sent", None
        if error is not None:
            _log.warning("nbtrack: alert %r webhook failed: %s", record.title, error)
        self._outcome(record, outcome, error)

    def wait(self, timeout: float = WEBHOOK_TIMEOUT + 1.0) -> None:
        """Wait for pending webhook deliveries (at finish), at most `timeout` seconds in all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
