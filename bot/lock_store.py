"""A Redis lock store whose conversation tickets are issued and served atomically.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket queue as one JSON value that each
server reads, changes in Python and writes back (``LockStore.issue_ticket``,
``finish_serving`` and ``cleanup`` in ``rasa/core/lock_store.py``, each a ``GET`` then a
``SET`` or ``DELETE``; RasaHQ/rasa#9213). Two replicas handling messages of one conversation
at the same moment can both read the queue before either writes it: both are issued ticket 0
and handle their messages at the same time (one of the two turns is then lost from the stored
conversation), or one replica's write drops the other's ticket and that message fails with
``LockError``. Rasa's concurrent variant (``concurrent_mode``) was reverted before 3.6.

:class:`AtomicRedisLockStore` keeps the same first-come first-served tickets, but each step is
one Lua script that Redis runs atomically:

* a conversation has a sorted set of waiting ticket numbers and a hash of their deadlines
  (plus the counter issuing the numbers); issuing a ticket increments the counter and queues
  the number in one step, so no two messages get the same ticket;
* a message is served when its ticket is the lowest one queued; tickets past their deadline
  (a server that was killed, or stopped for longer than the lease) are dropped first;
* a waiting or served ticket is a lease (``lease_seconds``, default 30 s, so that a server
  whose event loop is held up under full load keeps its tickets) that its server renews every
  third of the lease while the message waits or is handled (at most 10 minutes: a message
  handled longer is taken as stuck). A killed server blocks its conversations for one lease,
  and a message handled for longer than Rasa's ticket lifetime (60 s, ``TICKET_LOCK_LIFETIME``)
  keeps its conversation, where Rasa's ticket expires and the next message runs beside it. A
  waiting message whose ticket lapsed because its own server stalled queues again;
* releasing removes only the caller's own ticket, and deletes the keys once the queue is empty.

Deadlines use the Redis server's clock, so servers whose clocks differ agree. A waiter checks
after ``poll_seconds`` (default 0.02 s), then twice as long each time up to 0.25 s (Rasa's
store waits a whole second between checks).
Use it from ``endpoints.yml`` (``shopdesk run`` and ``shopdesk serve rasa`` write this when
``SHOPDESK_LOCK_STORE_URL`` is set)::

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as redis_asyncio

logger = logging.getLogger(__name__)

KEY_PREFIX = "shopdesk:lock:"
DEFAULT_LEASE_SECONDS = 30.0
DEFAULT_POLL_SECONDS = 0.02
MAX_POLL_SECONDS = 0.25
#: A message holding its conversation longer than this is stuck: its ticket is let go.
MAX_HOLD_SECONDS = 600
DEFAULT_SOCKET_TIMEOUT = 10.0

# KEYS: queue (sorted set of ticket numbers), tickets (hash: number -> deadline in ms, and
# "next" -> last issued number). ARGV: lease in ms. Returns the new ticket's number.
_ISSUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local number = redis.call('HINCRBY', KEYS[2], 'next', 1)
redis.call('ZADD', KEYS[1], number, number)
redis.call('HSET', KEYS[2], number, now + lease)
redis.call('PEXPIRE', KEYS[1], 2 * lease)
redis.call('PEXPIRE', KEYS[2], 2 * lease)
return number
"""

# KEYS: queue, tickets. ARGV: ticket number, lease in ms. Drops expired tickets at the head of
# the queue, renews the caller's ticket and returns 1 when it is served, 0 when it waits, -1
# when it is gone (it expired).
_TRY = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not head then break end
  local deadline = tonumber(redis.call('HGET', KEYS[2], head) or '0')
  if deadline > now then break end
  redis.call('ZREM', KEYS[1], head)
  redis.call('HDEL', KEYS[2], head)
end
if not redis.call('HGET', KEYS[2], ARGV[1]) then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], now + lease)
redis.call('PEXPIRE', KEYS[1], 2 * lease)
redis.call('PEXPIRE', KEYS[2], 2 * lease)
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then return 1 end
return 0
"""

# KEYS: queue, tickets. ARGV: ticket number. Removes the caller's ticket; deletes both keys
# once no ticket is queued.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""


class AtomicRedisLockStore(LockStore):
    """Rasa's lock store interface over atomic Redis tickets (see the module doc)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **options: Any) -> None:
        if endpoint_config is not None:
            # Rasa builds a lock store named by its module path from the endpoint alone.
            options = {**endpoint_config.kwargs, "host": endpoint_config.url, **options}
        self._connect(**options)
        super().__init__()

    def _connect(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        password: str | None = None,
        use_ssl: bool = False,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        key_prefix: str = KEY_PREFIX,
    ) -> None:
        if not float(lease_seconds) > 0 or not float(poll_seconds) > 0:
            raise ValueError(
                f"lock store lease_seconds and poll_seconds must be positive, got "
                f"{lease_seconds!r} and {poll_seconds!r}"
            )
        self.lease_ms = int(float(lease_seconds) * 1000)
        self.poll_seconds = float(poll_seconds)
        self.key_prefix = key_prefix
        self.red = redis_asyncio.Redis(
            host=host or "localhost",
            port=int(port),
            db=int(db),
            password=password,
            ssl=bool(use_ssl),
            socket_timeout=float(socket_timeout),
            socket_connect_timeout=float(socket_timeout),
        )
        self._issue = self.red.register_script(_ISSUE)
        self._try = self.red.register_script(_TRY)
        self._release = self.red.register_script(_RELEASE)
        self._renewals: set[asyncio.Task] = set()

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.key_prefix + conversation_id
        return [base + ":queue", base + ":tickets"]

    async def issue(self, conversation_id: str) -> int:
        """Queue a new ticket for ``conversation_id`` and return its number."""
        return int(await self._issue(keys=self._keys(conversation_id), args=[self.lease_ms]))

    async def try_acquire(self, conversation_id: str, ticket: int) -> bool:
        """Whether ``ticket`` is served now (renewing it); :class:`LockError` if it expired."""
        state = int(await self._try(keys=self._keys(conversation_id), args=[ticket, self.lease_ms]))
        if state < 0:
            raise LockError(
                f"The lock ticket of conversation '{conversation_id}' expired before it was "
                f"served (no renewal for {self.lease_ms / 1000:g} s: was the server stalled?)."
            )
        return state == 1

    async def release(self, conversation_id: str, ticket: int) -> None:
        """Remove ``ticket`` from the conversation's queue."""
        await self._release(keys=self._keys(conversation_id), args=[ticket])

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock: wait for this message's turn, keep it while handled.

        The ticket lives as long as this server renews it (every third of the lease), waiting
        or served (at most :data:`MAX_HOLD_SECONDS` served); Rasa's ``lock_lifetime`` and
        ``wait_time_in_seconds`` are not used (a message handled for longer than Rasa's 60 s
        lifetime keeps its conversation, and a waiter checks after ``poll_seconds``, backing off
        to :data:`MAX_POLL_SECONDS`).
        """
        ticket = await self.issue(conversation_id)
        try:
            wait = self.poll_seconds
            while True:
                try:
                    if await self.try_acquire(conversation_id, ticket):
                        break
                except LockError:
                    # This server stalled for longer than the lease while the message waited:
                    # its ticket lapsed. It queues again, behind the messages queued since.
                    logger.warning(
                        "A waiting message of conversation '%s' lost its place in the queue "
                        "(this server stalled for over %g s) and was queued again.",
                        conversation_id,
                        self.lease_ms / 1000,
                    )
                    ticket = await self.issue(conversation_id)
                    continue
                await asyncio.sleep(wait)
                # Many waiting messages must not keep the servers busy asking.
                wait = min(2 * wait, MAX_POLL_SECONDS)
            # The renewal is stopped by an event, never cancelled: a cancellation landing in
            # the middle of a Redis call could be lost in the client, and the task would then
            # renew the ticket (and block the conversation) after the message was handled.
            handled = asyncio.Event()
            renewal = asyncio.create_task(self._renew(conversation_id, ticket, handled))
            self._renewals.add(renewal)
            renewal.add_done_callback(self._renewals.discard)
            try:
                yield TicketLock(conversation_id)
            finally:
                handled.set()
        finally:
            await asyncio.shield(self.release(conversation_id, ticket))

    async def _renew(self, conversation_id: str, ticket: int, handled: asyncio.Event) -> None:
        """Renew the served ticket every third of its lease until ``handled`` is set."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + MAX_HOLD_SECONDS
        while not handled.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(handled.wait(), self.lease_ms / 3000)
            if handled.is_set():
                return
            if loop.time() > give_up:
                logger.warning(
                    "A message of conversation '%s' has held its lock for %d s; the lock is "
                    "let go so the conversation's next messages are handled.",
                    conversation_id,
                    MAX_HOLD_SECONDS,
                )
                return
            try:
                await self.try_acquire(conversation_id, ticket)
            except LockError:
                if not handled.is_set():
                    logger.warning(
                        "The lock of conversation '%s' expired while its message was handled "
                        "(this server stalled for longer than the lease); another message of "
                        "it may be handled at the same time.",
                        conversation_id,
                    )
                return
            except Exception as error:  # Redis away: the handling goes on, logged
                logger.warning(
                    "Could not renew the lock of conversation '%s': %s", conversation_id, error
                )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Not used: tickets are issued inside :meth:`lock`, atomically."""
        raise NotImplementedError("AtomicRedisLockStore issues tickets only through lock()")

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Not used: the queue lives in Redis and is read only by its scripts."""
        raise NotImplementedError("AtomicRedisLockStore keeps its tickets in Redis scripts")

    def delete_lock(self, conversation_id: str) -> None:
        """Not used (see :meth:`get_lock`)."""
        raise NotImplementedError("AtomicRedisLockStore keeps its tickets in Redis scripts")

    def save_lock(self, lock: TicketLock) -> None:
        """Not used (see :meth:`get_lock`)."""
        raise NotImplementedError("AtomicRedisLockStore keeps its tickets in Redis scripts")
