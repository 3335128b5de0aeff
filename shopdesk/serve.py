"""Running the bot: the action server (port 5055) and the Rasa server (port 5005)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.model_check import model_problem
from shopdesk.channels import write_credentials
from shopdesk.secrets import action_token, api_token, verification_key
from shopdesk.settings import BOT_DIR, Settings
from storage.errors import ShopdeskError

CREDENTIALS = BOT_DIR / "credentials.yml"


class ServerFailedToStart(ShopdeskError, RuntimeError):
    """A server process exited or did not answer in time."""


def tracker_store_config(url: str, cache_size: int, redact_pii: bool = False) -> dict:
    """Tracker store settings for a SQLAlchemy URL: Rasa's SQL store, keeping recent trackers.

    ``cache_size`` conversations stay in memory between messages (bot/tracker_store.py); with
    ``redact_pii`` personal data is masked before it is stored (bot/redaction.py).
    """
    parsed = make_url(url)
    config = {
        "type": (
            "bot.redaction.RedactingTrackerStore"
            if redact_pii
            else "bot.tracker_store.CachingSQLTrackerStore"
        ),
        "dialect": parsed.drivername.split("+")[0],
        "db": parsed.database,
        "cache_size": cache_size,
    }
    if parsed.host:
        # Rasa hands a custom store the endpoint's ``url`` as ``host=``: a "host" key here would
        # be passed twice and stop the server.
        config.update(
            url=parsed.host, port=parsed.port, username=parsed.username, password=parsed.password
        )
    return {k: v for k, v in config.items() if v is not None}


def lock_store_config(url: str) -> dict:
    """Lock store settings for a ``redis://host:port/db`` URL.

    The store is bot/lock_store.py's: Rasa's own Redis lock store is not safe across
    replicas (RasaHQ/rasa#9213, docs/deploy.md).
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "redis" or not parsed.hostname:
        raise ServerFailedToStart(
            f"SHOPDESK_LOCK_STORE_URL must be a Redis URL such as redis://127.0.0.1:6379/1, "
            f"got {url!r}"
        )
    config = {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": parsed.hostname,
        "port": parsed.port or 6379,
    }
    if parsed.path.strip("/"):
        config["db"] = int(parsed.path.strip("/"))
    if parsed.password:
        config["password"] = urllib.parse.unquote(parsed.password)
    return config


def event_broker_config(settings: Settings) -> dict:
    """Rasa's event broker settings for ``SHOPDESK_EVENT_BROKER_URL`` (``amqp://...``).

    The broker is bot/event_broker.py's: it connects in the background and buffers events
    while RabbitMQ is away, so a broker that is down never holds up a reply.
    """
    parsed = urllib.parse.urlsplit(settings.event_broker_url)
    if parsed.scheme not in ("amqp", "amqps") or not parsed.hostname:
        raise ServerFailedToStart(
            "SHOPDESK_EVENT_BROKER_URL must be a RabbitMQ URL such as "
            f"amqp://guest:guest@127.0.0.1:5672/, got {settings.event_broker_url!r}"
        )
    port = parsed.port or (5671 if parsed.scheme == "amqps" else 5672)
    return {
        "type": "bot.event_broker.BufferedPikaEventBroker",
        "url": f"{parsed.scheme}://{parsed.hostname}:{port}{parsed.path or '/'}",
        "port": port,
        "username": urllib.parse.unquote(parsed.username or "guest"),
        "password": urllib.parse.unquote(parsed.password or "guest"),
        "queues": [settings.event_queue],
        "exchange_name": settings.event_queue,
        "buffer_size": settings.event_buffer_size,
    }


def write_endpoints(settings: Settings, path: Path) -> Path:
    """The endpoints file for ``rasa run``.

    Action server, tracker and lock store come from the settings.
    """
    if settings.rasa_workers < 1:
        raise ServerFailedToStart(
            f"SHOPDESK_RASA_WORKERS must be at least 1, got {settings.rasa_workers}"
        )
    if settings.rasa_workers > 1 and not settings.lock_store_url:
        raise ServerFailedToStart(
            f"SHOPDESK_RASA_WORKERS={settings.rasa_workers} needs a lock store shared by the "
            "workers: set SHOPDESK_LOCK_STORE_URL=redis://127.0.0.1:6379/1 (a running Redis), "
            "or use 1 worker."
        )
    endpoints = {
        "action_endpoint": {
            "url": f"{action_server_url(settings)}/webhook",
            # Rasa reads the token from its environment when it loads this file, so the secret
            # is neither written here nor on a command line.
            "headers": {"Authorization": "Bearer ${SHOPDESK_ACTION_TOKEN}"},
        },
        "tracker_store": tracker_store_config(
            settings.tracker_store_url, settings.tracker_cache_size, settings.redact_pii
        ),
    }
    if settings.lock_store_url:
        endpoints["lock_store"] = lock_store_config(settings.lock_store_url)
    if settings.event_broker_url:
        endpoints["event_broker"] = event_broker_config(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # It may hold the database and Redis passwords of the URLs: readable by this user only.
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def fresh_metrics_dir(settings: Settings) -> Path:
    """An empty directory for the metrics of the Rasa server's workers on this port."""
    path = settings.data_dir / "metrics" / f"rasa-{settings.rasa_port}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def local_url(host: str, port: int) -> str:
    """The address a client on this machine reaches a server bound to ``host`` at.

    A server bound to every interface (``0.0.0.0``, ``::``) is reached on loopback.
    """
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def action_server_url(settings: Settings) -> str:
    """Where the Rasa server reaches the action server (its own interface, or loopback)."""
    return local_url(settings.action_host, settings.action_port)


def rasa_command(settings: Settings, model: Path, endpoints: Path) -> list[str]:
    """The command line of the Rasa server (``python -m bot.rasa_main run ...``)."""
    return [
        sys.executable,
        "-m",
        "bot.rasa_main",
        "run",
        "--model",
        str(model),
        # The API token reaches Rasa as SHOPDESK_API_TOKEN (bot/rasa_main.py), never in argv.
        "--enable-api",
        # Browsers may call the Rasa server only from the pages that embed the widget.
        "--cors",
        *settings.widget_origin_list,
        "--endpoints",
        str(endpoints),
        "--credentials",
        # The shipped channels plus the messaging channels whose settings are set.
        str(write_credentials(settings)),
        "--port",
        str(settings.rasa_port),
    ]


@dataclass
class RunningBot:
    """The two server processes of a running bot."""

    action_server: subprocess.Popen
    rasa_server: subprocess.Popen
    token: str

    def stop(self) -> None:
        """Stop both servers (SIGTERM, then SIGKILL after 20 s)."""
        stop_processes(self.rasa_server, self.action_server)


def process_tree(pids: Sequence[int]) -> list[int]:
    """``pids`` and all their living descendants (Rasa's Sanic workers are child processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, pending = [], list(pids)
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def _command_line(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def stop_processes(*processes: subprocess.Popen) -> None:
    """Stop server processes: SIGTERM to all, then SIGKILL to any still running after 20 s,
    and to any of their child processes (Sanic's workers) still running once they are gone."""
    running = [process for process in processes if process.poll() is None]
    mains = {process.pid for process in running}
    children = {
        pid: _command_line(pid)
        for pid in process_tree([process.pid for process in running])
        if pid not in mains
    }
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid, command_line in children.items():
        # A worker whose server was killed (or left it behind) belongs to init now.
        if command_line is not None and _command_line(pid) == command_line:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float) -> None:
    """Wait until ``url`` answers 200, failing early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailedToStart(
                f"The {name} exited with code {process.returncode}; see its log above."
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise ServerFailedToStart(f"The {name} did not answer at {url} within {timeout:.0f} s.")


def start_storefront(
    settings: Settings, *, log_dir: Path | None = None, timeout: float = 60.0
) -> subprocess.Popen:
    """Start the demo storefront (``python -m web``) on ``SHOPDESK_STOREFRONT_PORT``."""
    log = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / "storefront.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "web", "--port", str(settings.storefront_port)],
        cwd=settings.process_dir,
        env={**os.environ, "SHOPDESK_DATA_DIR": str(settings.data_dir)},
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    try:
        wait_until_up(
            f"http://127.0.0.1:{settings.storefront_port}/healthz", process, "storefront", timeout
        )
    except ServerFailedToStart:
        process.terminate()
        process.wait(10)
        raise
    return process


def server_environment(settings: Settings) -> dict[str, str]:
    """The environment both servers start with: this one plus the settings they share."""
    return {
        **os.environ,
        "SHOPDESK_DATA_DIR": str(settings.data_dir),
        "SHOPDESK_DATABASE_URL": settings.database_url,
        "SHOPDESK_ACTION_TOKEN": action_token(settings),
        "SHOPDESK_LOG_FORMAT": settings.log_format,
    }


def start_bot(
    settings: Settings,
    model: Path,
    *,
    log_dir: Path | None = None,
    timeout: float = 240.0,
) -> RunningBot:
    """Start the action server (private, token-guarded), then the Rasa server.

    The Rasa server gets the REST channel and the token-protected API.
    """
    problem = model_problem(model)
    if problem:
        raise ServerFailedToStart(problem)
    token = api_token(settings)
    endpoints = write_endpoints(settings, settings.data_dir / "endpoints.yml")
    # The verification key is the action server's alone: the Rasa server never gets it.
    action_env = {
        **server_environment(settings),
        "SHOPDESK_VERIFICATION_KEY": verification_key(settings),
        "SANIC_WORKERS": "1",
    }
    log = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / "action-server.log", "ab")
    action_server = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(settings.action_port)],
        cwd=settings.process_dir,
        env=action_env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    # The Rasa server starts only once the action server answers: a shopper's first message
    # must never meet a Rasa server whose actions fail with "connection refused".
    try:
        wait_until_up(
            f"{action_server_url(settings)}/health", action_server, "action server", timeout
        )
    except ServerFailedToStart:
        stop_processes(action_server)
        raise
    try:
        rasa_server = start_rasa_server(
            settings, model, endpoints=endpoints, log_dir=log_dir, timeout=timeout
        )
    except ServerFailedToStart:
        stop_processes(action_server)
        raise
    return RunningBot(action_server, rasa_server, token)


def start_rasa_server(
    settings: Settings,
    model: Path,
    *,
    endpoints: Path | None = None,
    log_dir: Path | None = None,
    log_name: str = "rasa-server",
    timeout: float = 240.0,
) -> subprocess.Popen:
    """Start one Rasa server on ``settings.rasa_port`` and wait until its API answers.

    Its action server (``settings.action_port``) must be running. Several calls with different
    ports and one conversation store and lock store start replicas, as a deployment runs them.
    """
    if endpoints is None:
        endpoints = write_endpoints(settings, settings.data_dir / "endpoints.yml")
    token = api_token(settings)
    env = {
        **server_environment(settings),
        "SANIC_WORKERS": str(settings.rasa_workers),
        "SHOPDESK_API_TOKEN": token,
        # The channels' rate limits as ``settings`` has them (a caller may have replaced them).
        "SHOPDESK_RATE_LIMIT_SENDER": str(settings.rate_limit_sender),
        "SHOPDESK_RATE_LIMIT_IP": str(settings.rate_limit_ip),
        "SHOPDESK_RATE_LIMIT_REDIS_URL": settings.rate_limit_redis,
    }
    # The verification key is the action server's alone: the Rasa server never gets it.
    env.pop("SHOPDESK_VERIFICATION_KEY", None)
    if settings.rasa_workers > 1:
        # Each worker counts in files of its own there; /metrics adds them up (prometheus_client).
        env["PROMETHEUS_MULTIPROC_DIR"] = str(fresh_metrics_dir(settings))
    log = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{log_name}.log", "ab")
    rasa_server = subprocess.Popen(
        rasa_command(settings, model, endpoints),
        cwd=settings.process_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    try:
        wait_until_up(
            f"http://127.0.0.1:{settings.rasa_port}/", rasa_server, "Rasa server", timeout
        )
        wait_until_up(
            f"http://127.0.0.1:{settings.rasa_port}/status?token={token}",
            rasa_server,
            "Rasa server",
            timeout,
        )
    except ServerFailedToStart:
        stop_processes(rasa_server)
        raise
    return rasa_server
