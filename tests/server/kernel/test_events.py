"""Domain events ride with the transaction: published after the commit, never for a rollback; handlers
run inside the transaction and can refuse it (server/events.py)."""

from __future__ import annotations

import pytest

from server import events
from server.audit.services import record
from server.audit.tables import AuditEntry
from server.db import write_transaction
from server.errors import Conflict


@pytest.fixture
def heard():
    got: list[events.DomainEvent] = []
    unsubscribe = events.subscribe(got.append)
    yield got
    unsubscribe()


async def test_published_after_commit_only(client, heard):
    async with write_transaction():
        events.queue("test.happened", n=1)
        async with write_transaction():  # a nested service joins the outer transaction
            events.queue("test.happened", n=2)
        assert heard == []  # nothing before the commit
    assert [e.payload["n"] for e in heard] == [1, 2]


async def test_nothing_published_for_a_rolled_back_write(client, heard):
    with pytest.raises(Conflict):
        async with write_transaction():
            await record(None, action="test.write", object_type="test", object_id=1)
            events.queue("test.happened", n=1)
            raise Conflict("refused", code="refused")
    assert heard == []
    assert await AuditEntry.count().where(AuditEntry.action == "test.write") == 0


async def test_queue_outside_a_transaction_is_a_programming_error(client):
    with pytest.raises(RuntimeError):
        events.queue("test.happened")


async def test_a_handler_runs_inside_and_can_refuse_the_whole_write(client, heard):
    calls = []

    @events.on("test.vetoed")
    async def veto(principal, **facts):
        calls.append(facts)
        raise Conflict("not now", code="vetoed")

    @events.on("test.helped")
    async def helper(principal, **facts):
        await record(principal, action="test.helper_wrote", object_type="test", object_id=facts["n"])
        return f"helped {facts['n']}"

    try:
        with pytest.raises(Conflict):
            async with write_transaction():
                await record(None, action="test.write", object_type="test", object_id=1)
                await events.emit("test.vetoed", n=1)
        assert calls == [{"n": 1}] and heard == []
        assert await AuditEntry.count().where(AuditEntry.action == "test.write") == 0
        async with write_transaction():
            assert await events.emit("test.helped", n=2) == ["helped 2"]
        assert await AuditEntry.count().where(AuditEntry.action == "test.helper_wrote") == 1
        assert [e.topic for e in heard] == ["test.helped"]
    finally:
        events._handlers.pop("test.vetoed", None)
        events._handlers.pop("test.helped", None)


async def test_a_failing_subscriber_does_not_undo_the_commit(client, heard):
    def broken(event):
        raise ValueError("listener bug")

    unsubscribe = events.subscribe(broken)
    try:
        async with write_transaction():
            await record(None, action="test.write", object_type="test", object_id=1)
            events.queue("test.happened", n=1)
    finally:
        unsubscribe()
    assert await AuditEntry.count().where(AuditEntry.action == "test.write") == 1
    assert len(heard) == 1
