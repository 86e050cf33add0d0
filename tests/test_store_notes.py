"""Store contract for comments on runs and saved report specs, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from nbtrack.store import CommentRecord, RunRecord, Store


def _run(run_id: str) -> RunRecord:
    return RunRecord(id=run_id, project="p", name=run_id, state="finished", created_at=1.0, heartbeat_at=1.0)


def test_comments_round_trip_oldest_first_and_are_shared_between_store_objects(
        store: Store, open_new: Callable[[], Store]) -> None:
    store.create_run(_run("a"))
    store.create_run(_run("b"))
    second = store.add_comment("a", author="bob", text="later", created_at=20.0)
    first = store.add_comment("a", author="ann", text="looks <b>good</b> ✓", created_at=10.0)
    store.add_comment("b", author="ann", text="other run", created_at=15.0)
    assert isinstance(first.id, int) and first.id != second.id
    teammate = open_new()  # another connection (another process or machine on PostgreSQL) sees them
    assert teammate.list_comments(["a"]) == [
        CommentRecord(id=first.id, run_id="a", author="ann", created_at=10.0, text="looks <b>good</b> ✓"),
        CommentRecord(id=second.id, run_id="a", author="bob", created_at=20.0, text="later"),
    ]
    assert [c.text for c in teammate.list_comments(["a", "b"])] == ["looks <b>good</b> ✓", "other run", "later"]
    assert teammate.list_comments([]) == [] and teammate.list_comments(["none"]) == []


def test_deleting_a_run_deletes_its_comments_only(store: Store) -> None:
    store.create_run(_run("a"))
    store.create_run(_run("b"))
    store.add_comment("a", author="x", text="1", created_at=1.0)
    store.add_comment("b", author="x", text="2", created_at=1.0)
    store.delete_run("a")
    assert store.list_comments(["a"]) == []
    assert [c.text for c in store.list_comments(["b"])] == ["2"]


def test_report_specs_are_saved_replaced_listed_and_deleted(store: Store, open_new: Callable[[], Store]) -> None:
    spec = {"title": "T", "blocks": [{"kind": "markdown", "text": "hi"}, {"kind": "panel", "chart": "parallel",
                                                                          "query": {"filters": {"state": "finished"}}}]}
    store.put_report("p", "weekly", spec, updated_at=5.0)
    store.put_report("q", "weekly", {"title": "other"}, updated_at=6.0)
    store.put_report("p", "alpha", {"title": "A"}, updated_at=7.0)
    got = open_new().get_report("weekly", "p")
    assert got is not None and got.spec == spec and got.updated_at == 5.0 and got.project == "p"
    assert store.get_report("weekly") is None  # ambiguous across projects without one given
    assert store.get_report("alpha").project == "p"  # type: ignore[union-attr]
    assert [(r.project, r.name) for r in store.list_reports()] == [("p", "alpha"), ("p", "weekly"), ("q", "weekly")]
    assert [r.name for r in store.list_reports("p")] == ["alpha", "weekly"]
    store.put_report("p", "weekly", {"title": "T2"}, updated_at=9.0)
    assert store.get_report("weekly", "p").spec == {"title": "T2"}  # type: ignore[union-attr]
    store.delete_report("weekly", "p")
    assert store.get_report("weekly", "p") is None and store.get_report("weekly", "q") is not None
    store.delete_report("never", "p")  # no error
