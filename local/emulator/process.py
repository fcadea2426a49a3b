"""moto's server: started on a free loopback port, detached, checked for health, stopped by pid."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from local.emulator import PROJECT_DIR, EmulatorError

MOTO_SERVER = "local.emulator.moto_server"  # moto's server, closer to AWS where the stack needs it
READY_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class MotoServer:
    pid: int
    port: int
    log: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_moto_installed() -> None:
    """moto's server comes with the dev packages (Pipfile); install it here if it is missing."""
    try:
        import flask_cors  # noqa: F401  (the [server] extra)
        import moto.server  # noqa: F401
    except ImportError:
        print("moto's server is not installed in this environment: installing moto[server]", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "moto[server]==5.2.5"], check=True)


def start_moto(log_path: Path, attempts: int = 3) -> MotoServer:
    """Start moto's server on a free loopback port, detached, and return once it answers."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):  # another process may take the port between probe and bind
        port = free_port()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                cwd=PROJECT_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives `make local`; stopped by pid in `make local-down`
            )
        server = MotoServer(pid=process.pid, port=port, log=str(log_path))
        if wait_ready(server, process):
            try:
                configure_lambda_without_docker(server)
            except BaseException:
                stop_moto(server)
                raise
            return server
        stop_moto(server)
    raise EmulatorError(f"moto's server did not start; see {log_path}:\n{_tail(log_path)}")


def wait_ready(
    server: MotoServer, process: subprocess.Popen | None = None, timeout: float = READY_TIMEOUT_SECONDS
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        if is_answering(server):
            return True
        time.sleep(0.2)
    return False


def is_answering(server: MotoServer) -> bool:
    try:
        with urllib.request.urlopen(f"{server.url}/moto-api/config", timeout=2) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def configure_lambda_without_docker(server: MotoServer) -> None:
    """Before any deploy: there is no Docker engine here, and moto's Lambda uses one by default."""
    request = urllib.request.Request(
        f"{server.url}/moto-api/config",
        method="POST",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        config = json.loads(response.read() or b"{}")
    if config.get("lambda", {}).get("use_docker") is not False:
        raise EmulatorError(f"moto did not switch Lambda to its non-Docker mode: {config}")


def is_moto_process(pid: int) -> bool:
    """True when ``pid`` is alive and is a moto server (a recycled pid is never signalled).

    ``moto_server.py`` too: the form `make local` used before this package, whose state file
    (.local/emulator.json) may still name such a process.
    """
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"moto.server" in cmdline or any(part.endswith((b"moto_server", b"moto_server.py")) for part in cmdline)


def stop_moto(server: MotoServer, timeout: float = 10) -> None:
    """Stop the server by its process id: SIGTERM, then SIGKILL if it lingers."""
    if not is_moto_process(server.pid):
        return
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(server.pid, os.WNOHANG)  # reap it when it is our child
            if finished:
                return
        except ChildProcessError:
            pass
        if not is_moto_process(server.pid):
            return
        time.sleep(0.1)
    os.kill(server.pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
