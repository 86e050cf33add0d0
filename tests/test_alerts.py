"""Alerts: W&B's suppression by title within wait_duration, storage with the run on both backends,
webhook delivery to a real HTTP server on loopback (and to failing ones), `nbtrack show`, the banner."""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

import nbtrack
from nbtrack.cli import describe_run, main
from nbtrack.store import ChunkWrite, RunRecord, Store


class Hook:
    """A webhook receiver on 127.0.0.1 answering every POST with `status` (after `delay` seconds)."""

    def __init__(self, status: int = 200, delay: float = 0.0, headers: dict[str, str] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append({"path": self.path, "type": self.headers["Content-Type"],
                                      "body": json.loads(body)})
                time.sleep(delay)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"no")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hook:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    with Hook() as h:
        monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", h.url)
        yield h


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- suppression and storage ------------------------------------------------------------

def test_repeated_title_is_suppressed_within_wait_duration() -> None:
    with nbtrack.init(project="alerts") as run:
        first = run.alert("loss is nan", "at step 3")  # default wait: 60 s, as in W&B
        assert first is not None and first.level == "INFO" and first.webhook == "none"
        assert run.alert("loss is nan", "at step 4") is None
        assert run.alert("other", "x", level=nbtrack.AlertLevel.WARN) is not None
        assert run.alert("short", "1", wait_duration=0.2) is not None
        assert run.alert("short", "2", wait_duration=0.2) is None
        time.sleep(0.25)
        assert run.alert("short", "3", wait_duration=timedelta(seconds=0.2)) is not None
        assert run.alert("always", "a", wait_duration=0) is not None
        assert run.alert("always", "b", wait_duration=0) is not None
    stored = run.store.list_alerts(run.id)
    assert [(a.title, a.text, a.level) for a in stored] == [
        ("loss is nan", "at step 3", "INFO"), ("other", "x", "WARN"), ("short", "1", "INFO"),
        ("short", "3", "INFO"), ("always", "a", "INFO"), ("always", "b", "INFO")]
    assert stored[0].wait_duration == 60.0 and stored[2].wait_duration == 0.2


def test_levels_and_arguments_are_checked() -> None:
    with nbtrack.init(project="alerts") as run:
        assert run.alert("e", "x", level="error", wait_duration=0).level == "ERROR"
        assert run.alert("w", "x", level="WARN").level == "WARN"
        with pytest.raises(ValueError, match="level"):
            run.alert("t", "x", level="loud")
        with pytest.raises(TypeError, match="wait_duration"):
            run.alert("t", "x", wait_duration="soon")
        with pytest.raises(ValueError, match="title"):
            run.alert("", "x")
    with pytest.raises(nbtrack.RunFinishedError):
        run.alert("late", "x")


def test_module_level_alert_acts_on_the_current_run() -> None:
    with pytest.raises(nbtrack.UsageError, match="init"):
        nbtrack.alert("t", "x")
    with nbtrack.init(project="alerts") as run:
        nbtrack.alert("from module", "body", level=nbtrack.AlertLevel.ERROR)
    assert [a.title for a in run.store.list_alerts(run.id)] == ["from module"]


def test_alert_store_contract(store: Store) -> None:
    store.create_run(RunRecord(id="r1", project="p", name="n", state="running", created_at=1.0, heartbeat_at=1.0))
    a = store.add_alert("r1", level="WARN", title="t", text="body ✓", created_at=5.0, wait_duration=60.0,
                        webhook="pending")
    b = store.add_alert("r1", level="INFO", title="u", text="", created_at=6.0)
    assert a.id != b.id
    store.set_alert_webhook(a.id, "failed", "HTTP 500 boom")
    got = store.list_alerts("r1")
    assert [(x.title, x.text, x.level, x.webhook, x.webhook_error, x.wait_duration) for x in got] == [
        ("t", "body ✓", "WARN", "failed", "HTTP 500 boom", 60.0), ("u", "", "INFO", "none", None, None)]
    with pytest.raises(ValueError, match="webhook"):
        store.set_alert_webhook(a.id, "lost")
    store.write_system("r1", [ChunkWrite("system/cpu", 0, [0, 1], [5.0, 6.0], [1.0, 2.0])])
    store.delete_run("r1")
    assert store.list_alerts("r1") == [] and store.read_system(["r1"]) == {"r1": {}}


# -- webhook --------------------------------------------------------------------------

def test_webhook_receives_a_slack_compatible_json_post(hook: Hook) -> None:
    with nbtrack.init(project="alerts", name="night-run") as run:
        record = run.alert("Accuracy low", "acc 0.12 < 0.5", level="WARN")
        assert record is not None and record.webhook == "pending"
    assert len(hook.requests) == 1
    req = hook.requests[0]
    assert req["path"] == "/hooks/T0" and req["type"] == "application/json"
    body = req["body"]
    assert "Accuracy low" in body["text"] and "acc 0.12 < 0.5" in body["text"] and "night-run" in body["text"]
    assert body["nbtrack"] == {"level": "WARN", "title": "Accuracy low", "text": "acc 0.12 < 0.5", "run_id": run.id,
                               "run_name": "night-run", "project": "alerts", "created_at": record.created_at}
    (stored,) = run.store.list_alerts(run.id)
    assert (stored.webhook, stored.webhook_error) == ("sent", None)


def test_failing_webhook_is_recorded_and_never_breaks_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hook(status=500) as failing:
        monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", failing.url)
        with nbtrack.init(project="alerts") as run:
            run.alert("a", "x")
            for i in range(3):
                run.log({"loss": float(i)})
            run._alerts.wait()
            monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", f"http://127.0.0.1:{free_port()}/nobody")
            run.alert("b", "y")
    assert run.state == "finished" and len(failing.requests) == 1
    a, b = run.store.list_alerts(run.id)
    assert (a.webhook, a.webhook_error) == ("failed", "HTTP 500 Internal Server Error")
    assert b.webhook == "failed" and "refused" in (b.webhook_error or "").lower()
    assert list(nbtrack.history(run)["loss"]) == [0.0, 1.0, 2.0]


def test_webhook_is_posted_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hook(delay=0.6) as slow:
        monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", slow.url)
        with nbtrack.init(project="alerts") as run:
            started = time.perf_counter()
            run.alert("slow", "x")
            assert time.perf_counter() - started < 0.3
        (stored,) = run.store.list_alerts(run.id)
        assert stored.webhook == "sent"  # finish waited for the delivery


# -- where alerts show ------------------------------------------------------------------

def test_nbtrack_show_lists_alerts(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", f"http://127.0.0.1:{free_port()}/x")
    with nbtrack.init(project="alerts") as run:
        run.alert("Diverged", "loss went to inf\nat step 9", level="ERROR")
    text = describe_run(run.id)
    assert "alerts: 1" in text and "ERROR Diverged: loss went to inf" in text and "webhook failed" in text
    assert main(["show", run.id]) == 0
    assert "Diverged" in capsys.readouterr().out


def test_live_view_shows_an_alert_banner() -> None:
    from nbtrack.ui.live import LiveRunView
    from nbtrack.ui.media import alerts_html

    run = nbtrack.init(project="alerts", settings={"_disable_stats": True})
    view = LiveRunView(run)
    view.redraw()
    assert view._banner.value == ""
    run.alert("<Watch out>", "grad norm 1e9", level="WARN")
    view.redraw()
    assert "&lt;Watch out&gt;" in view._banner.value and "data-level='WARN'" in view._banner.value
    assert "<Watch out>" not in view._banner.value
    run.finish()
    assert alerts_html([]) == ""


def test_an_alert_is_shown_once_a_log_record_not_a_stderr_line(caplog: pytest.LogCaptureFixture) -> None:
    """At INFO, below the level Python's last-resort handler prints to stderr as if something failed."""
    import logging

    from nbtrack.ui.media import alerts_html

    with caplog.at_level(logging.INFO, logger="nbtrack"):
        run = nbtrack.init(project="alerts", settings={"_disable_stats": True})
        run.alert("Diverged", "loss is nan", level=nbtrack.AlertLevel.ERROR)
        run.finish()
    (record,) = [r for r in caplog.records if "Diverged" in r.getMessage()]
    assert record.levelno == logging.INFO and record.nbtrack_alert_level == "ERROR"
    assert alerts_html(run.alerts).count("Diverged") == 1


# -- webhook: http(s) only, off the critical path ---------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/hostname", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/", "http:///nohost",
                                 "hooks.slack.com/services/T0/B0/secret"])
def test_a_webhook_that_is_not_http_is_never_contacted(url: str, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", url)
    with caplog.at_level(logging.WARNING, logger="nbtrack"), nbtrack.init(project="alerts") as run:
        first = run.alert("a", "x")
        second = run.alert("b", "y")
        run.log({"loss": 1.0})
    assert first is not None and second is not None
    stored = run.store.list_alerts(run.id)
    assert [(a.webhook, "http:// or https://" in (a.webhook_error or "") or "no host" in (a.webhook_error or ""))
            for a in stored] == [("failed", True), ("failed", True)]
    assert [a.webhook for a in run.alerts] == ["failed", "failed"]
    refusals = [r for r in caplog.records if "NBTRACK_ALERT_WEBHOOK" in r.getMessage()]
    assert len(refusals) == 1  # said once per run
    assert "secret" not in caplog.text and "hostname" not in caplog.text  # the URL itself is not repeated
    assert run.state == "finished" and list(nbtrack.history(run)["loss"]) == [1.0]


def test_a_webhook_redirect_is_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hook() as elsewhere, Hook(status=302, headers={"Location": elsewhere.url}) as moving:
        monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", moving.url)
        with nbtrack.init(project="alerts") as run:
            run.alert("a", "x")
    (stored,) = run.store.list_alerts(run.id)
    assert (stored.webhook, stored.webhook_error) == ("failed", "HTTP 302 Found")
    assert len(moving.requests) == 1 and elsewhere.requests == []


def test_a_hung_webhook_keeps_off_the_training_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that accepts the connection and never answers: `alert` returns at once and logging goes on."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    monkeypatch.setenv("NBTRACK_ALERT_WEBHOOK", f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    run = nbtrack.init(project="alerts")
    started = time.perf_counter()
    run.alert("hung", "x")
    for i in range(1000):
        run.log({"loss": float(i)})
    assert time.perf_counter() - started < 0.5
    conn, _ = listener.accept()  # the delivery thread connected and waits for an answer
    assert run.alerts[0].webhook == "pending"
    conn.close()  # the server gives up: the delivery fails, and finish records it
    listener.close()
    run.finish()
    (stored,) = run.store.list_alerts(run.id)
    assert stored.webhook == "failed" and len(nbtrack.history(run)) == 1000
