"""The `posecoach serve`, `posecoach worker` and `posecoach history` commands, for posecoach.cli
to wire in:

    p = sub.add_parser("serve", help="web app: upload clips, read results, track progress")
    add_serve_arguments(p); p.set_defaults(func=run_serve)
    p = sub.add_parser("worker", help="run the web app's analyses from a Redis queue")
    add_worker_arguments(p); p.set_defaults(func=run_worker)
    p = sub.add_parser("history", help="progression per exercise, in the terminal")
    add_history_arguments(p); p.set_defaults(func=run_history)

Both return an exit code and raise PoseCoachError for the CLI to report.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
from pathlib import Path

from posecoach.errors import ConfigError, PoseCoachError
from posecoach.history import SIDES, HistoryStore, db_path_for, default_data_dir, format_progression
from posecoach.limits import MediaLimits
from posecoach.web.settings import DEFAULT_RUNNER, LOOPBACK_HOSTS, ServeSettings, exercise_ids


def _data_dir(value: str | None) -> Path:
    return Path(value).expanduser() if value else default_data_dir()


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Serve the web app: upload clips, follow their analysis, read results and "
                          "track progress. Binds to localhost unless --host says otherwise.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 exposes it on the LAN: "
                             "use --token then)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where sessions, uploads and the database live "
                             "(default $POSECOACH_DATA_DIR or ~/.local/share/posecoach)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="analyses run at the same time, each in its own process (default 1; "
                             "with --queue redis://..., start `posecoach worker`s instead)")
    parser.add_argument("--max-upload-mb", type=float, default=500.0, metavar="MB",
                        help="largest accepted upload (default 500)")
    parser.add_argument("--max-clip-s", type=float, metavar="S",
                        help=f"refuse uploads longer than S seconds (default {MediaLimits.max_clip_s:.0f}, "
                             "or $POSECOACH_MAX_CLIP_S); other limits: docs/reliability.md")
    parser.add_argument("--job-timeout-s", type=float, default=1800.0, metavar="S",
                        help="stop an analysis that runs longer than S seconds and fail it (default 1800)")
    parser.add_argument("--token", default=os.environ.get("POSECOACH_TOKEN"),
                        help="require this access token (Bearer header, or open /?token=... once in the "
                             "browser); default $POSECOACH_TOKEN")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="coaching threshold overrides for every analysis (TOML; commented "
                             "example: docs/thresholds.example.toml)")
    parser.add_argument("--queue", default=os.environ.get("POSECOACH_QUEUE", "local"), metavar="URL",
                        help="where jobs wait: 'local' runs them on this machine; "
                             "redis://[:PASSWORD@]HOST:PORT/DB queues them for `posecoach worker` on any "
                             "machine (docs/deploy.md); "
                             "default $POSECOACH_QUEUE or local")
    parser.add_argument("--storage", metavar="DIR",
                        help="with --queue redis://...: the folder for uploads and results that every worker "
                             "mounts too (default the data folder)")
    parser.add_argument("--https", action="store_true",
                        help="serve over https with a self-signed certificate made locally (kept in the data "
                             "folder): phones on the LAN get the camera for /live only over https")


def _queue_url(value: str) -> str | None:
    if value in ("", "local"):
        return None
    from posecoach.web.queue_rq import is_redis_url

    if not is_redis_url(value):
        raise ConfigError(f"--queue: unknown queue '{value[:60]}'",
                          "use 'local', or redis://[:PASSWORD@]HOST:PORT/DB for Redis")
    return value


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def settings_from_args(args: argparse.Namespace) -> ServeSettings:
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535 (got {args.port})")
    loopback = _is_loopback(args.host)
    queue_url = _queue_url(args.queue)
    if args.storage and queue_url is None:
        raise ConfigError("--storage is for jobs on Redis", "add --queue redis://HOST:PORT/DB, or drop --storage")
    config = getattr(args, "config", None)
    if config:
        from posecoach.exercises.thresholds import load_config

        load_config(Path(config))   # a bad file stops the start, not every job
    return ServeSettings(
        data_dir=_data_dir(args.data_dir), workers=args.workers,
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024), token=args.token or None,
        runner=DEFAULT_RUNNER, allowed_hosts=(*LOOPBACK_HOSTS, args.host) if loopback else None,
        queue_url=queue_url, storage_dir=Path(args.storage) if args.storage else None,
        limits=MediaLimits.from_env().replace(max_clip_s=args.max_clip_s), job_timeout_s=args.job_timeout_s,
        config_path=Path(config).resolve() if config else None)


def _prepare_model() -> None:
    """Install the pose model once, before workers race to do it (a warning when impossible)."""
    try:
        from posecoach.pose import resolve_model

        resolve_model("full", progress=lambda message: print(message, file=sys.stderr))
    except PoseCoachError as exc:
        print(f"posecoach: warning: {exc.message}; analyses will fail until a model is installed"
              + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)


def bind_socket(host: str, port: int) -> socket.socket:
    """Listen on host:port now, so a taken port fails before any job is looked at."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})", "check --host") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = ("another program (or another posecoach serve) uses this port: stop it, or choose "
                "another with --port" if exc.errno == errno.EADDRINUSE else "check --host and --port")
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})", hint) from exc
    sock.set_inheritable(True)
    return sock


def _tls_options(args: argparse.Namespace, settings: ServeSettings) -> tuple[dict[str, str], str]:
    """--https: uvicorn's certificate options (a self-signed one made locally) and the scheme."""
    if not args.https:
        return {}, "http"
    from posecoach.web.tls import lan_addresses, self_signed_certificate

    cert, key = self_signed_certificate(settings.data_dir / "tls", args.host)
    if not _is_loopback(args.host):
        phone = lan_addresses() if args.host in ("0.0.0.0", "::") else [args.host]
        for address in phone[:3]:
            print(f"  on a phone on this network: https://{address}:{args.port}/live "
                  "(accept the certificate warning once)", file=sys.stderr)
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}, "https"


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from posecoach.web.app import create_app
    from posecoach.web.datadir import DataDirLock
    from posecoach.web.jobs import JobQueue

    settings = settings_from_args(args)
    if settings.allowed_hosts is None and not settings.token:
        print(f"posecoach: warning: listening on {args.host} without --token: anyone on the network "
              "can upload, read and delete sessions", file=sys.stderr)
    # The lock, the database check and the port come first; jobs are recovered only when
    # all three are ours (a failed start must not use up an interrupted job's retry).
    lock = DataDirLock.acquire(settings.data_dir)
    try:
        JobQueue(settings.db_path, verify=True)
        sock = bind_socket(args.host, args.port)
        with sock:
            if settings.queue_url is not None:
                from posecoach.web.queue_rq import connect, redacted

                connect(settings.queue_url).close()   # unreachable: one error line now, not at an upload
                where = f"jobs on {redacted(settings.queue_url)}, files in {settings.storage_root}"
            else:
                _prepare_model()
                where = f"data in {settings.data_dir}"
            tls, scheme = _tls_options(args, settings)
            shown = "localhost" if _is_loopback(args.host) else args.host
            print(f"PoseCoach web app: {scheme}://{shown}:{args.port}/  ({where}; Ctrl-C stops)",
                  file=sys.stderr)
            config = uvicorn.Config(create_app(settings, data_lock=lock), log_level="warning",
                                    timeout_graceful_shutdown=5, **tls)  # type: ignore[arg-type]
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        lock.release()
    return 0


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Run the web app's analyses from a Redis queue, on this or any machine that "
                          "mounts the API node's storage (see docs/deploy.md). Ctrl-C or SIGTERM finish the "
                          "current job, then stop.")
    parser.add_argument("--queue", default=os.environ.get("POSECOACH_QUEUE", ""), metavar="URL",
                        help="the Redis queue of `posecoach serve --queue`: redis://[:PASSWORD@]HOST:PORT/DB "
                             "(default $POSECOACH_QUEUE)")
    parser.add_argument("--storage", metavar="DIR", required=False,
                        help="where this machine mounts the API node's --storage folder")
    parser.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    parser.add_argument("--lease-s", type=float, default=None, metavar="S",
                        help="a job whose worker is silent this long is re-queued (default 15)")
    parser.add_argument("--runner", default=DEFAULT_RUNNER, help=argparse.SUPPRESS)   # tests: a fake analysis


def run_worker(args: argparse.Namespace) -> int:
    from posecoach.web.queue_rq import DEFAULT_LEASE_S
    from posecoach.web.queue_rq import run_worker as work

    queue_url = _queue_url(args.queue)
    if queue_url is None:
        raise ConfigError("posecoach worker needs a Redis queue",
                          "pass --queue redis://HOST:PORT/DB (the same as `posecoach serve --queue`)")
    if not args.storage:
        raise ConfigError("posecoach worker needs --storage DIR",
                          "the folder where this machine mounts the API node's uploads and results")
    storage = Path(args.storage).expanduser()
    if not (storage / "uploads").is_dir():
        raise ConfigError(f"--storage {storage}: no uploads/ folder there",
                          "point it at the storage of `posecoach serve --storage` (mounted on this machine)")
    lease_s = DEFAULT_LEASE_S if args.lease_s is None else args.lease_s
    if lease_s < 1:
        raise ConfigError(f"--lease-s must be at least 1 (got {lease_s:g})")
    if args.runner == DEFAULT_RUNNER:
        _prepare_model()
    return work(queue_url, storage, burst=args.burst, runner=args.runner, lease_s=lease_s,
                say=lambda line: print(line, file=sys.stderr))


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the progression of each exercise: one line per session, oldest first."
    parser.add_argument("--exercise", choices=exercise_ids(), help="only this exercise")
    parser.add_argument("--side", choices=SIDES, help="only sessions of this side")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="default $POSECOACH_DATA_DIR or ~/.local/share/posecoach")


def run_history(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args.data_dir)
    db_path = db_path_for(data_dir)
    if not db_path.exists():
        print(f"no sessions yet (nothing in {data_dir}); analyse a clip with `posecoach serve` "
              "or `posecoach analyze --history`, or coach a set live")
        return 0
    store = HistoryStore(db_path)
    names = [args.exercise] if args.exercise else store.exercises()
    progressions = [store.progression(name, args.side) for name in names]
    tables = [format_progression(p) for p in progressions if p.sessions]
    if not tables:
        print("no sessions match" if args.exercise or args.side else "no sessions yet")
        return 0
    print("\n\n".join(tables))
    return 0
