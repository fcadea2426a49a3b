"""``make local`` and ``make local-down``: the stack deployed to moto, and taken down again.

    .venv/bin/python -m local.emulator up      # make local
    .venv/bin/python -m local.emulator down    # make local-down

moto outlives ``make local``; what ``make local-down`` needs to find it again is kept in
.local/emulator.json (git-ignored). Both are safe to run twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import local.emulator as emulator
from local.emulator import PROJECT_DIR, STACK, EmulatorError
from local.emulator.environment import child_environment, publish_stand_in_layers, stack_region
from local.emulator.process import (
    MotoServer,
    ensure_moto_installed,
    is_answering,
    is_moto_process,
    start_moto,
    stop_moto,
)
from local.emulator.tools import Workspace, deploy, destroy

LOCAL_DIR = PROJECT_DIR / ".local"  # make local's state (gitignored)
STATE_FILE = LOCAL_DIR / "emulator.json"


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
        state = LocalState(
            pid=server.pid, port=server.port, log=server.log, stand_in_layers=stand_ins, workspace=str(workspace.root)
        )
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
                destroy(
                    workspace,
                    child_environment(state.server, state.stand_in_layers),
                    echo=True,
                    skip_synth=(workspace.stack_dir / "cdk.tf.json").is_file(),
                )
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
    parser = argparse.ArgumentParser(prog="python -m local.emulator", description=emulator.__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"], help="up: start moto and deploy; down: destroy and stop")
    args = parser.parse_args(argv)
    return local_up() if args.action == "up" else local_down()
