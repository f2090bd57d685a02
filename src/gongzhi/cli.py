"""The ``gongzhi`` console script.

``demo``, ``serve`` and ``worker`` are handled here; every other word is a
Django management command (``gongzhi schedule …``, ``gongzhi manage …``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

DEMO_USAGE = "gongzhi demo [--port PORT] [--host HOST] [--no-serve]"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()


def _data_dir() -> Path:
    path = Path(os.environ.get("GONGZHI_DATA_DIR", "var")).resolve()
    for sub in ("", "static", "media"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    os.environ["GONGZHI_DATA_DIR"] = str(path)
    return path


def _demo_secret_key(data_dir: Path) -> str:
    """The demo keeps its own random key in the data directory."""
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _manage(*args: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongzhi", *args])


def _gunicorn(bind: str, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gongzhi.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
    )


def _worker_process() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "gongzhi.cli", "worker"])  # noqa: S603


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait(*procs: subprocess.Popen[bytes]) -> int:
    """Wait for the first process; on Ctrl-C or SIGTERM stop them all."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return procs[0].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)


def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gongzhi demo", usage=DEMO_USAGE)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="load the demo city and exit")
    args = parser.parse_args(argv)
    data_dir = _data_dir()
    os.environ.setdefault("SECRET_KEY", _demo_secret_key(data_dir))
    # The demo is served over plain http on this machine.
    os.environ.setdefault("SECURE_COOKIES", "false")
    _setup_django()
    _manage("migrate", "--no-input", "-v", "0")
    _manage("load_demo", "--url", f"http://{args.host}:{args.port}/")
    if args.no_serve:
        return 0
    from django.utils.translation import gettext as _

    url = f"http://{args.host}:{args.port}/"
    print(f"\n{_('gongzhi demo: serving %(url)s (Ctrl-C stops it)') % {'url': url}}\n", flush=True)
    worker = _worker_process()
    server = _gunicorn(f"{args.host}:{args.port}", workers=2)
    return _wait(server, worker)


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gongzhi serve")
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    args = parser.parse_args(argv)
    _data_dir()
    _setup_django()
    from django.conf import settings

    if (
        settings.SECRET_KEY.startswith(settings.INSECURE_KEY_PREFIX)
        or len(settings.SECRET_KEY) < 32
    ):
        print("gongzhi serve: set SECRET_KEY to a random value of 32 or more characters.")
        return 2
    if settings.DEBUG:
        print("gongzhi serve: refusing to serve with DEBUG on; unset DEBUG.")
        return 2
    _manage("collectstatic", "--no-input", "-v", "0")
    return _wait(_gunicorn(args.bind, args.workers))


def worker(argv: list[str]) -> int:
    _data_dir()
    _setup_django()
    _manage("run_huey", *argv)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(
            "usage: gongzhi demo | serve | worker | schedule CAMPAIGN --year Y | manage COMMAND …\n"
            "       (any other word runs that Django management command)"
        )
        return 0
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return demo(rest)
    if command == "serve":
        return serve(rest)
    if command == "worker":
        return worker(rest)
    _data_dir()
    _setup_django()
    if command == "manage":
        _manage(*rest)
    else:
        _manage(command, *rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
