"""Alerts in SQL: a run's alerts and how each was delivered."""

from __future__ import annotations

from ._records import ALERT_DELIVERIES, AlertRecord
from ._sql_base import SqlBase

__all__ = ["AlertSql"]


class AlertSql(SqlBase):
    """The store's alert operations."""

    def add_alert(
        self, run_id: str, *, level: str, title: str, text: str, created_at: float,
        wait_duration: float | None = None, webhook: str = "none",
    ) -> AlertRecord:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO run_alerts (run_id, created_at, level, title, body, wait_duration, webhook) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING alert_id"),
                (run_id, created_at, level, title, text, wait_duration, webhook),
            )
            alert_id = int(cur.fetchone()[0])
        return AlertRecord(id=alert_id, run_id=run_id, created_at=created_at, level=level, title=title, text=text,
                           wait_duration=wait_duration, webhook=webhook)

    def set_alert_webhook(self, alert_id: int, webhook: str, error: str | None = None) -> None:
        if webhook not in ALERT_DELIVERIES:
            raise ValueError(f"set_alert_webhook: webhook must be one of {ALERT_DELIVERIES}, not {webhook!r}")
        with self._write() as cur:
            cur.execute(self._q("UPDATE run_alerts SET webhook = ?, webhook_error = ? WHERE alert_id = ?"),
                        (webhook, error, alert_id))

    def list_alerts(self, run_id: str) -> list[AlertRecord]:
        with self._read() as cur:
            cur.execute(
                self._q("SELECT alert_id, run_id, created_at, level, title, body, wait_duration, webhook, "
                        "webhook_error FROM run_alerts WHERE run_id = ? ORDER BY created_at, alert_id"),
                (run_id,),
            )
            rows = cur.fetchall()
        return [AlertRecord(id=int(r[0]), run_id=r[1], created_at=float(r[2]), level=r[3], title=r[4], text=r[5],
                            wait_duration=None if r[6] is None else float(r[6]), webhook=r[7], webhook_error=r[8])
                for r in rows]
