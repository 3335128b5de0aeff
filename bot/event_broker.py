"""Conversation events to RabbitMQ, without ever holding up a shopper's reply.

Rasa 3.6's ``PikaEventBroker`` connects while the server starts: with RabbitMQ down it tries
20 times 5 s apart (the server answers nobody meanwhile), then gives up and the server does not
start. Once connected, a failed publish keeps the event in an unbounded queue that is sent when
aio-pika's robust connection comes back; events published before the first connection are
dropped without a word. This subclass keeps Rasa's message format, exchange and queue set-up and
changes only that:

* the server starts at once: the connection is made in the background, retried until RabbitMQ
  answers (the outage is logged once, with its cause, and counted as an ``event_broker`` error);
* events published while RabbitMQ is away wait in a buffer of ``buffer_size`` events and are
  sent when it is back; when the buffer is full the oldest events are dropped, counted
  (``shopdesk_events_dropped_total``) and logged once per outage.

Publishing happens in background tasks, as in Rasa: a shopper's reply never waits for RabbitMQ.
Events sent after an outage may arrive after newer ones: consumers order them by ``timestamp``.
Delivery is at least once: an event written just as the connection broke may have reached
RabbitMQ without its confirmation coming back, and is then sent again. Each message carries a
``message_id`` made from the event itself, the same for both copies, so readers drop the second
(``shopdesk.events.read_events`` does).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import deque
from typing import Any

import aio_pika
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from shopdesk.observability import ERRORS, EVENTS_BUFFERED, EVENTS_DROPPED, EVENTS_PUBLISHED

logger = logging.getLogger(__name__)

#: Seconds one connection attempt may take before it counts as failed.
CONNECT_TIMEOUT = 10.0


class BufferedPikaEventBroker(PikaEventBroker):
    """Rasa's RabbitMQ broker, connecting in the background and buffering while it is down."""

    def __init__(self, *args: Any, buffer_size: int = 10_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffer_size = max(1, int(buffer_size))
        self._buffer: deque[dict[str, Any]] = deque()
        self._outage = False
        self._dropping = False
        self._connecting: asyncio.Task | None = None

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig | None,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> BufferedPikaEventBroker | None:
        """The broker for the endpoints file's ``event_broker``, connecting in the background."""
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        broker._connecting = broker._loop.create_task(broker._connect_until_up())
        return broker

    async def _connect_until_up(self) -> None:
        """Connect (retrying every ``retry_delay_in_seconds``), set up the exchange, flush."""
        while True:
            connection = None
            try:
                connection = await asyncio.wait_for(
                    aio_pika.connect_robust(
                        url=self._configure_url(),
                        host=self.host,
                        port=self.port,
                        login=self.username,
                        password=self.password,
                    ),
                    timeout=CONNECT_TIMEOUT,
                )
                channel = await connection.channel()
                exchange = await self._set_up_exchange(channel)
            except Exception as error:  # any failure until RabbitMQ is up: keep trying
                self._went_down(error)
                if connection is not None:  # connected, but the exchange or queue failed
                    with contextlib.suppress(Exception):
                        await connection.close()
                await asyncio.sleep(self._retry_delay_in_seconds)
                continue
            break
        self._connection = connection
        self._exchange = exchange
        connection.reconnect_callbacks.add(self._publish_unpublished_messages)
        logger.info(
            "Connected to the event broker %s:%s; events go to the queue %s",
            self.host,
            self.port,
            ", ".join(self.queues),
        )
        self._publish_unpublished_messages()

    def _message(self, event: dict[str, Any], headers: dict[str, str] | None) -> aio_pika.Message:
        """Rasa's message, with a ``message_id`` that is the same for every copy of ``event``."""
        message = super()._message(event, headers)
        message.message_id = hashlib.sha256(message.body).hexdigest()[:32]
        return message

    def _went_down(self, error: BaseException) -> None:
        if not self._outage:
            self._outage = True
            ERRORS.labels(cause="event_broker").inc()
            logger.error(
                "The event broker %s:%s is unreachable (%s: %s). Conversations go on; their "
                "events wait in memory (up to %d) and are sent when it is back.",
                self.host,
                self.port,
                type(error).__name__,
                error,
                self.buffer_size,
            )

    def _keep(self, event: dict[str, Any]) -> None:
        """Buffer ``event`` for later, dropping (and counting) the oldest when full."""
        if len(self._buffer) >= self.buffer_size:
            self._buffer.popleft()
            EVENTS_DROPPED.inc()
            if not self._dropping:
                self._dropping = True
                logger.error(
                    "The event buffer is full (%d events, SHOPDESK_EVENT_BUFFER_SIZE): the "
                    "oldest events are being dropped until the event broker is back.",
                    self.buffer_size,
                )
        self._buffer.append(event)
        EVENTS_BUFFERED.set(len(self._buffer))

    def _connected(self) -> bool:
        return (
            self._exchange is not None
            and self._connection is not None
            and not self._connection.is_closed
        )

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Send ``event`` in the background, or buffer it while RabbitMQ is away."""
        if not self._connected():
            if self._connection is not None:  # was connected: the connection dropped
                self._went_down(ConnectionError("the connection to RabbitMQ was lost"))
            self._keep(event)
            return
        super().publish(event, headers)

    async def _publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        if self._exchange is None:
            self._keep(event)
            return
        try:
            await self._exchange.publish(self._message(event, headers), "")
        except Exception as error:  # whatever the connection raises, the event is kept
            self._went_down(error)
            self._keep(event)
            return
        EVENTS_PUBLISHED.inc()

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """Send what waited while RabbitMQ was away (called on every (re)connection)."""
        if self._outage:
            logger.info(
                "The event broker %s:%s is back; sending %d buffered events.",
                self.host,
                self.port,
                len(self._buffer),
            )
        self._outage = False
        self._dropping = False
        waiting = list(self._buffer)
        self._buffer.clear()
        EVENTS_BUFFERED.set(0)
        for event in waiting:
            self.publish(event)

    def is_ready(self) -> bool:
        """True while connected to RabbitMQ (the server does not wait for it either way)."""
        return self._connected()

    async def close(self) -> None:
        """Stop connecting and close the connection (buffered events are lost, and logged)."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if self._buffer:
            logger.error(
                "Stopping with %d conversation events the event broker never received.",
                len(self._buffer),
            )
        if self._connection is not None:
            await self._connection.close()
