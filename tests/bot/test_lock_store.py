"""The conversation lock across replicas: Rasa 3.6's Redis lock store races, bot/lock_store.py's
does not (RasaHQ/rasa#9213). Needs Redis on 127.0.0.1:6379 (``make test`` starts it)."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from types import SimpleNamespace

import pytest
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.faults import LOCK_STORE, outage_of
from bot.lock_store import AtomicRedisLockStore
from bot.observability import readiness_problems
from shopdesk.serve import lock_store_config
from tests.helpers.services import REDIS, require_redis

DB = 6


@pytest.fixture(autouse=True)
def redis_running() -> None:
    require_redis("the lock store tests")


@pytest.fixture
def conversation() -> str:
    return f"lock-test-{uuid.uuid4().hex}"


class InterleavedRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, running ``between`` once after it read a conversation's
    tickets and before it writes them back: what another replica can do at that moment."""

    def __init__(self, between, **kwargs) -> None:
        super().__init__(**kwargs)
        self.between = between

    def save_lock(self, lock: TicketLock) -> None:
        between, self.between = self.between, None
        if between is not None:
            between()
        super().save_lock(lock)


def test_rasas_redis_lock_store_lets_two_replicas_handle_one_conversation_at_once(
    conversation,
) -> None:
    """The race of RasaHQ/rasa#9213 in Rasa 3.6.21: both replicas read the empty ticket queue,
    both are issued ticket 0, and the second is served while the first still holds the lock."""
    replica_b = RedisLockStore(port=REDIS[1], db=DB)
    tickets: dict[str, int] = {}
    replica_a = InterleavedRedisLockStore(
        lambda: tickets.update(b=replica_b.issue_ticket(conversation)), port=REDIS[1], db=DB
    )

    async def both() -> bool:
        async with replica_a.lock(conversation, wait_time_in_seconds=0.01):
            # Replica A holds the conversation. Replica B's message must wait for it...
            try:
                await asyncio.wait_for(
                    replica_b._acquire_lock(conversation, tickets["b"], 0.01), timeout=1
                )
            except asyncio.TimeoutError:
                return False
            return True  # ...but it was served at once.

    try:
        assert asyncio.run(both())
        assert tickets["b"] == 0
    finally:
        replica_b.delete_lock(conversation)


def atomic_store(**options) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(port=REDIS[1], db=DB, **options)


def test_two_replicas_issued_tickets_at_the_same_moment_are_served_one_after_the_other(
    conversation,
) -> None:
    """Many replicas take the same conversation's lock at once; each holder reads a counter,
    yields, and writes it back: with the lock held by one at a time no increment is lost."""
    holders = 8
    rounds = 15

    async def run() -> tuple[int, int]:
        stores = [atomic_store() for _ in range(holders)]
        state = {"counter": 0, "inside": 0, "most_inside": 0}

        async def replica(store: AtomicRedisLockStore) -> None:
            for _ in range(rounds):
                async with store.lock(conversation):
                    state["inside"] += 1
                    state["most_inside"] = max(state["most_inside"], state["inside"])
                    value = state["counter"]
                    await asyncio.sleep(0)
                    await store.red.ping()  # a Redis round trip while holding the lock
                    state["counter"] = value + 1
                    state["inside"] -= 1

        await asyncio.gather(*(replica(store) for store in stores))
        leftover = await stores[0].red.exists(*stores[0]._keys(conversation))
        return state["counter"], state["most_inside"] + 10 * leftover

    counter, most_inside = asyncio.run(run())
    assert counter == holders * rounds
    assert most_inside == 1  # never two holders; nothing left in Redis afterwards


def test_messages_waiting_for_a_conversation_are_served_in_the_order_they_arrived(
    conversation,
) -> None:
    async def run() -> list[int]:
        store = atomic_store()
        order: list[int] = []
        first_holds = asyncio.Event()
        release_first = asyncio.Event()

        async def message(number: int) -> None:
            async with store.lock(conversation):
                order.append(number)
                if number == 0:
                    first_holds.set()
                    await release_first.wait()

        tasks = [asyncio.create_task(message(0))]
        await first_holds.wait()
        for number in range(1, 6):
            tasks.append(asyncio.create_task(message(number)))
            await asyncio.sleep(0.01)  # each issued its ticket before the next arrives
        release_first.set()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(run()) == [0, 1, 2, 3, 4, 5]


def test_a_killed_replicas_lock_is_taken_over_after_its_lease(conversation) -> None:
    """A replica killed while holding a conversation renews nothing: after one lease another
    replica is served (Rasa's store waits for the whole ticket lifetime, 60 s)."""

    async def run() -> bool:
        killed = atomic_store(lease_seconds=0.5)
        ticket = await killed.issue(conversation)
        assert await killed.try_acquire(conversation, ticket)
        # ... and the process dies here: no renewal, no release.
        other = atomic_store(lease_seconds=0.5)
        waiting = asyncio.create_task(other.lock(conversation).__aenter__())
        await asyncio.sleep(0.1)
        served_while_alive = waiting.done()
        await asyncio.wait_for(waiting, timeout=10)
        return served_while_alive

    assert asyncio.run(run()) is False


def test_a_held_lock_is_renewed_beyond_its_lease(conversation) -> None:
    """A message handled for longer than the lease keeps its conversation."""

    async def run() -> bool:
        holder, other = atomic_store(lease_seconds=0.3), atomic_store(lease_seconds=0.3)
        async with holder.lock(conversation):
            waiting = asyncio.create_task(other.lock(conversation).__aenter__())
            await asyncio.sleep(1.2)  # four leases
            served_too_early = waiting.done()
        await asyncio.wait_for(waiting, timeout=10)
        return served_too_early

    assert asyncio.run(run()) is False


def test_endpoints_written_by_shopdesk_build_the_atomic_store() -> None:
    store = LockStore.create(
        EndpointConfig.from_dict(lock_store_config(f"redis://127.0.0.1:{REDIS[1]}/{DB}"))
    )
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == DB


def test_a_lock_store_that_is_down_is_reported_as_the_lock_store(conversation) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = AtomicRedisLockStore(port=port, socket_timeout=1)

    async def take() -> None:
        async with store.lock(conversation):
            pass

    with pytest.raises(RedisConnectionError) as raised:
        asyncio.run(take())
    assert outage_of(raised.value) is LOCK_STORE


def test_readiness_asks_the_atomic_lock_stores_redis(conversation) -> None:
    """/readyz of a Rasa server reports a lock store whose Redis does not answer."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]

    def agent(store: AtomicRedisLockStore) -> SimpleNamespace:
        return SimpleNamespace(is_ready=lambda: True, tracker_store=None, lock_store=store)

    assert asyncio.run(readiness_problems(agent(atomic_store()))) == []
    down = AtomicRedisLockStore(port=closed, socket_timeout=1)
    [problem] = asyncio.run(readiness_problems(agent(down)))
    assert problem.startswith("lock store (Redis): ConnectionError")


def test_a_waiting_message_whose_server_stalled_past_its_lease_queues_again(
    conversation, caplog
) -> None:
    """Its ticket reached the head of the queue and lapsed while its server did not check (it
    checks again after 0.5 s, the lease is 0.3 s): it queues again and is served, instead of
    failing with LockError."""

    async def run() -> list[str]:
        holder = atomic_store()
        stalled = atomic_store(lease_seconds=0.3, poll_seconds=0.5)
        order: list[str] = []

        async def waiting() -> None:
            async with stalled.lock(conversation):
                order.append("stalled")

        async with holder.lock(conversation):
            order.append("holder")
            task = asyncio.create_task(waiting())
            await asyncio.sleep(0.1)
            order.append("holder done")
        await asyncio.wait_for(task, timeout=10)
        return order

    caplog.set_level(logging.WARNING, logger="bot.lock_store")
    assert asyncio.run(run()) == ["holder", "holder done", "stalled"]
    assert "lost its place in the queue" in caplog.text
