"""Deploy and destroy the real stack against moto's AWS emulator on loopback, with no AWS account.

One implementation for ``make local`` / ``make local-down`` and for the lifecycle test
(tests/test_lifecycle.py): start moto's server on a free port of 127.0.0.1, wait until it
answers, switch its Lambda to the non-Docker mode, publish stand-ins for the public layers
(the Web Adapter and Powertools: moto attaches only layers of the caller's own account), then
run the real cdktf-cli, Terraform and AWS provider against it, and stop it by its process id.
The stack's own package layer is a resource of the stack and deploys to moto as it is.

The stack is the real one. The emulator is reached only through settings: ``AWS_ENDPOINT_URL``
(read by constructs_lib/emulator.py, which points the provider at it) and the layer settings
``WEB_ADAPTER_LAYER_ARN`` and ``POWERTOOLS_LAYER_ARN`` (the stand-ins). Fake credentials are set
in the child processes' environment only.

Each run has its own work directory holding a cdktf.json whose app is the project's own
``main.py``: cdktf's local backend writes ``terraform.<stack>.tfstate`` into the app's working
directory, so emulator state never mixes with the state of a real ``make deploy``.

    .venv/bin/python -m scripts.local_emulator up      # make local
    .venv/bin/python -m scripts.local_emulator down    # make local-down
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
STACK = "bedrock-inference"
LOCAL_DIR = PROJECT_DIR / ".local"  # make local's state (gitignored)
STATE_FILE = LOCAL_DIR / "emulator.json"

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-testing", "AWS_SECRET_ACCESS_KEY": "moto-testing"}
# Never let a real profile, session or configured endpoint leak into an emulator run.
_SCRUBBED = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
# The public layers moto cannot attach: setting → (stand-in layer name, what it stands for).
STAND_IN_LAYERS = {
    "WEB_ADAPTER_LAYER_ARN": ("web-adapter-stand-in", "the AWS Lambda Web Adapter"),
    "POWERTOOLS_LAYER_ARN": ("powertools-stand-in", "Powertools for AWS Lambda"),
}
MOTO_SERVER = Path(__file__).with_name("moto_server.py")  # moto's server, closer to AWS where the stack needs it
READY_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 600


class EmulatorError(RuntimeError):
    """A step of the emulator lifecycle failed; the message carries the tool output that explains it."""


# --- moto's server ------------------------------------------------------------------------------

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
                [sys.executable, str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
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


def wait_ready(server: MotoServer, process: subprocess.Popen | None = None,
               timeout: float = READY_TIMEOUT_SECONDS) -> bool:
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
        f"{server.url}/moto-api/config", method="POST",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        config = json.loads(response.read() or b"{}")
    if config.get("lambda", {}).get("use_docker") is not False:
        raise EmulatorError(f"moto did not switch Lambda to its non-Docker mode: {config}")


def is_moto_process(pid: int) -> bool:
    """True when ``pid`` is alive and is a moto server (a recycled pid is never signalled)."""
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


# --- the environment the tools run in -----------------------------------------------------------

def stack_region(environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The stack's Region as the app will read it (settings: environment, cdktf.json, default)."""
    from main import read_settings

    return read_settings(environ).region


def child_environment(server: MotoServer, stand_in_layers: dict[str, str],
                      base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for cdktf, Terraform and boto3 aimed at ``server``, with fake credentials and
    the stand-in layers (setting → ARN, from ``publish_stand_in_layers``)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _SCRUBBED}
    region = stack_region(env)
    env.update(FAKE_CREDENTIALS)
    env.update({
        "AWS_ENDPOINT_URL": server.url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        **stand_in_layers,
        # The one default stack, with its state in the run's workspace: never S3, never several.
        "STATE_BUCKET": "",
        "ENVIRONMENTS": "",
        "PATH": f"{PROJECT_DIR / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}",
        "CHECKPOINT_DISABLE": "1",
        "CI": "1",  # cdktf-cli: no interactive prompts, plain output
        "FORCE_COLOR": "0",
    })
    if not Path(env.get("TF_CLI_CONFIG_FILE", "")).is_file():
        from scripts import terraform_cli_config

        env["TF_CLI_CONFIG_FILE"] = str(terraform_cli_config.write_config())
    return env


def publish_stand_in_layers(server: MotoServer, region: str) -> dict[str, str]:
    """A tiny layer in moto's account for each public layer; returns setting → version ARN."""
    lambda_ = client(server, "lambda", region)
    published = {}
    for setting, (name, stands_for) in STAND_IN_LAYERS.items():
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr(f"python/{name.replace('-', '_')}.py", f'"""Stand-in for {stands_for} in moto."""\n')
        published[setting] = lambda_.publish_layer_version(
            LayerName=name,
            Description=f"stand-in for {stands_for}: emulator runs only",
            Content={"ZipFile": archive.getvalue()},
            CompatibleRuntimes=["python3.13"],
            CompatibleArchitectures=["arm64"],
        )["LayerVersionArn"]
    return published


def _boto_credentials() -> dict[str, str]:
    return {"aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}


def client(server: MotoServer, service: str, region: str):
    """A boto3 client of ``service`` against the emulator, with the fake credentials."""
    import boto3

    return boto3.client(service, endpoint_url=server.url, region_name=region, **_boto_credentials())


# --- the stack's lifecycle through cdktf-cli and Terraform --------------------------------------

@dataclass(frozen=True)
class Workspace:
    """A work directory whose cdktf.json runs the project's app; state and output stay inside it."""

    root: Path

    @property
    def stack_dir(self) -> Path:
        return self.root / "cdktf.out" / "stacks" / STACK

    @property
    def synthesized(self) -> dict:
        return json.loads((self.stack_dir / "cdk.tf.json").read_text())

    def prepare(self) -> Workspace:
        self.root.mkdir(parents=True, exist_ok=True)
        config = json.loads((PROJECT_DIR / "cdktf.json").read_text())
        config["app"] = _absolute_command(config["app"])
        config["output"] = "cdktf.out"
        config["codeMakerOutput"] = str(PROJECT_DIR / config.get("codeMakerOutput", ".gen"))
        (self.root / "cdktf.json").write_text(json.dumps(config, indent=2) + "\n")
        return self


def _absolute_command(command: str) -> str:
    """The app command with its project-relative paths made absolute (it runs in the workspace)."""
    parts = [str(PROJECT_DIR / part) if (PROJECT_DIR / part).exists() and not os.path.isabs(part) else part
             for part in shlex.split(command)]
    return shlex.join(parts)


@dataclass(frozen=True)
class Run:
    seconds: float
    output: str


def run(command: list[str], *, cwd: Path, env: dict[str, str], echo: bool = False,
        ok_codes: tuple[int, ...] = (0,)) -> tuple[int, Run]:
    """Run a tool; on an unexpected exit code raise EmulatorError with its output."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(line, end="", flush=True)
    code = process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
    result = Run(seconds=time.monotonic() - started, output="".join(lines))
    if code not in ok_codes:
        raise EmulatorError(f"`{shlex.join(command)}` exited {code} in {cwd}:\n{_explain(result.output)}")
    return code, result


CDKTF_FLAGS = ["--auto-approve", "--skip-provider-lock", "--no-color"]


def synth(workspace: Workspace, env: dict[str, str]) -> Run:
    return run(["cdktf", "synth", "--no-color"], cwd=workspace.root, env=env)[1]


def deploy(workspace: Workspace, env: dict[str, str], *, echo: bool = False, skip_synth: bool = False) -> Run:
    """``cdktf deploy``; ``skip_synth`` deploys what ``synth`` already wrote."""
    outputs = workspace.root / "outputs.json"
    extra = ["--skip-synth"] if skip_synth else []
    return run(["cdktf", "deploy", STACK, *CDKTF_FLAGS, *extra, "--outputs-file", str(outputs)],
               cwd=workspace.root, env=env, echo=echo)[1]


def destroy(workspace: Workspace, env: dict[str, str], *, echo: bool = False, skip_synth: bool = False) -> Run:
    """``cdktf destroy``; ``skip_synth`` reuses the stack already synthesized by the deploy."""
    extra = ["--skip-synth"] if skip_synth else []
    return run(["cdktf", "destroy", STACK, *CDKTF_FLAGS, *extra], cwd=workspace.root, env=env, echo=echo)[1]


@dataclass(frozen=True)
class Change:
    """One planned change: a resource and the top-level attributes whose values would change."""

    address: str
    type: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    run: Run
    changes: tuple[Change, ...]
    text: str


def plan(workspace: Workspace, env: dict[str, str]) -> Plan:
    """``terraform plan -detailed-exitcode`` of the deployed stack, with its changes as data."""
    plan_file = workspace.root / "replan.tfplan"
    code, result = run(
        ["terraform", "plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", f"-out={plan_file}"],
        cwd=workspace.stack_dir, env=env, ok_codes=(0, 2),
    )
    if code == 0:
        return Plan(run=result, changes=(), text=result.output)
    _, shown = run(["terraform", "show", "-json", str(plan_file)], cwd=workspace.stack_dir, env=env)
    return Plan(run=result, changes=changes_of(json.loads(shown.output)), text=result.output)


def changes_of(plan_json: dict) -> tuple[Change, ...]:
    """Resource changes of a ``terraform show -json`` plan, each with the attributes it changes."""
    changes = []
    for item in plan_json.get("resource_changes", []):
        actions = tuple(item["change"]["actions"])
        if item.get("mode") == "data" or actions == ("no-op",):
            continue
        before = item["change"].get("before") or {}
        after = item["change"].get("after") or {}
        unknown = item["change"].get("after_unknown") or {}
        names = sorted(k for k in set(before) | set(after) | set(unknown)
                       if before.get(k) != after.get(k) or _any_unknown(unknown.get(k)))
        changes.append(Change(address=item["address"], type=item["type"], actions=actions, attributes=tuple(names)))
    return tuple(changes)


def _any_unknown(marks: object) -> bool:
    """``after_unknown`` mirrors the value's shape with ``true`` where a value is unknown."""
    if isinstance(marks, dict):
        return any(_any_unknown(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_any_unknown(v) for v in marks)
    return marks is True


def state_resources(workspace: Workspace, env: dict[str, str]) -> list[dict]:
    """The managed resources in the stack's state: ``{"address", "type", "values"}`` each.

    Read with ``terraform state pull`` (whatever the backend), which, unlike ``show -json``,
    does not start the provider: half a second instead of several.
    """
    _, pulled = run(["terraform", "state", "pull"], cwd=workspace.stack_dir, env=env)
    state = json.loads(pulled.output) if pulled.output.strip() else {}
    found = []
    for resource in state.get("resources", []):
        if resource.get("mode") != "managed" or resource.get("module"):
            continue
        for instance in resource.get("instances", []):
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            found.append({"address": f"{resource['type']}.{resource['name']}{suffix}", "type": resource["type"],
                          "values": instance.get("attributes", {})})
    return found


def _explain(output: str, lines: int = 40, width: int = 1000) -> str:
    """The part of a tool's output that explains a failure: from its first Error on, else its tail."""
    text = [line if len(line) <= width else line[:width] + " [...]" for line in output.splitlines()]
    errors = [i for i, line in enumerate(text) if "Error:" in line]
    shown = text[max(errors[0] - 2, 0):errors[0] + lines] if errors else text[-lines:]
    return "\n".join(shown)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- make local / make local-down ---------------------------------------------------------------

@dataclass(frozen=True)
class LocalState:
    """What `make local` leaves for `make local-down` (in .local/emulator.json)."""

    pid: int
    port: int
    log: str
    stand_in_layers: dict[str, str]
    workspace: str

    @property
    def server(self) -> MotoServer:
        return MotoServer(pid=self.pid, port=self.port, log=self.log)


def read_local_state() -> LocalState | None:
    try:
        return LocalState(**json.loads(STATE_FILE.read_text()))
    except (OSError, ValueError, TypeError):
        return None


NOT_RUN_NOTE = (
    "Note: the function's code does not run in the emulator (moto stores the function, it does\n"
    "not execute it, and the Web Adapter and Powertools layers are stand-ins). To run the app\n"
    "locally, use `make serve` (OFFLINE=1 for a stand-in model, no AWS account)."
)


def local_up() -> int:
    ensure_moto_installed()
    state = read_local_state()
    workspace = Workspace(LOCAL_DIR / "work")
    if state and is_moto_process(state.pid) and is_answering(state.server):
        print(f"moto is already running at {state.server.url} (pid {state.pid}): deploying again")
        server, stand_ins = state.server, state.stand_in_layers
    else:
        if state:  # moto is gone, and with it everything the old state describes
            stop_moto(state.server)
            (Path(state.workspace) / f"terraform.{STACK}.tfstate").unlink(missing_ok=True)
        server = start_moto(LOCAL_DIR / "moto.log")
        print(f"moto started at {server.url} (pid {server.pid}, log {server.log})")
        stand_ins = publish_stand_in_layers(server, stack_region())
        state = LocalState(pid=server.pid, port=server.port, log=server.log, stand_in_layers=stand_ins,
                           workspace=str(workspace.root))
        STATE_FILE.write_text(json.dumps(asdict(state), indent=2) + "\n")
    workspace.prepare()
    env = child_environment(server, stand_ins)
    try:
        deploy(workspace, env, echo=True)
    except EmulatorError as error:
        print(f"\nerror: deploy to the emulator failed:\n{error}", file=sys.stderr)
        print("moto is still running; `make local-down` stops it.", file=sys.stderr)
        return 1
    outputs = json.loads((workspace.root / "outputs.json").read_text()).get(STACK, {})
    print(f"\nDeployed to moto at {server.url} (AWS_ENDPOINT_URL). Outputs:")
    for name, value in sorted(outputs.items()):
        print(f"  {name} = {value}")
    print(f"\n{NOT_RUN_NOTE}\n\n`make local-down` destroys the stack and stops moto.")
    return 0


def local_down() -> int:
    state = read_local_state()
    if state is None:
        print("nothing to stop: no emulator started by `make local`")
        return 0
    workspace = Workspace(Path(state.workspace))
    state_file = workspace.root / f"terraform.{STACK}.tfstate"
    if is_moto_process(state.pid) and is_answering(state.server):
        if _holds_resources(state_file):
            workspace.prepare()
            try:
                # The stack as deployed (--skip-synth): a destroy does not depend on today's code.
                destroy(workspace, child_environment(state.server, state.stand_in_layers), echo=True,
                        skip_synth=(workspace.stack_dir / "cdk.tf.json").is_file())
            except EmulatorError as error:
                print(f"\nerror: destroy failed; moto is left running (pid {state.pid}):\n{error}", file=sys.stderr)
                return 1
        else:
            print("nothing deployed: no resources in the emulator's Terraform state")
        stop_moto(state.server)
        print(f"moto stopped (pid {state.pid})")
    else:
        print("moto is no longer running, and everything it held went with it: nothing to destroy")
    state_file.unlink(missing_ok=True)
    STATE_FILE.unlink(missing_ok=True)
    return 0


def _holds_resources(state_file: Path) -> bool:
    try:
        return bool(json.loads(state_file.read_text()).get("resources"))
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"], help="up: start moto and deploy; down: destroy and stop")
    args = parser.parse_args(argv)
    return local_up() if args.action == "up" else local_down()


if __name__ == "__main__":
    sys.exit(main())
