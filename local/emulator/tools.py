"""The real cdktf-cli and Terraform, run against the emulator in a work directory of their own.

Each run has its own work directory holding a cdktf.json whose app is the project's own
``main.py``: cdktf's local backend writes ``terraform.<stack>.tfstate`` into the app's working
directory, so emulator state never mixes with the state of a real ``make deploy``. The
environment the tools run in comes from local/emulator/environment.py.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from local.emulator import PROJECT_DIR, STACK, EmulatorError

COMMAND_TIMEOUT_SECONDS = 600
CDKTF_FLAGS = ["--auto-approve", "--skip-provider-lock", "--no-color"]


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
    parts = [
        str(PROJECT_DIR / part) if (PROJECT_DIR / part).exists() and not os.path.isabs(part) else part
        for part in shlex.split(command)
    ]
    return shlex.join(parts)


@dataclass(frozen=True)
class Run:
    seconds: float
    output: str


def run(
    command: list[str], *, cwd: Path, env: dict[str, str], echo: bool = False, ok_codes: tuple[int, ...] = (0,)
) -> tuple[int, Run]:
    """Run a tool; on an unexpected exit code raise EmulatorError with its output."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
    )
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


def synth(workspace: Workspace, env: dict[str, str]) -> Run:
    return run(["cdktf", "synth", "--no-color"], cwd=workspace.root, env=env)[1]


def deploy(workspace: Workspace, env: dict[str, str], *, echo: bool = False, skip_synth: bool = False) -> Run:
    """``cdktf deploy``; ``skip_synth`` deploys what ``synth`` already wrote."""
    outputs = workspace.root / "outputs.json"
    extra = ["--skip-synth"] if skip_synth else []
    return run(
        ["cdktf", "deploy", STACK, *CDKTF_FLAGS, *extra, "--outputs-file", str(outputs)],
        cwd=workspace.root,
        env=env,
        echo=echo,
    )[1]


def destroy(workspace: Workspace, env: dict[str, str], *, echo: bool = False, skip_synth: bool = False) -> Run:
    """``cdktf destroy``; ``skip_synth`` reuses the stack already synthesized by the deploy."""
    extra = ["--skip-synth"] if skip_synth else []
    return run(["cdktf", "destroy", STACK, *CDKTF_FLAGS, *extra], cwd=workspace.root, env=env, echo=echo)[1]


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
            found.append(
                {
                    "address": f"{resource['type']}.{resource['name']}{suffix}",
                    "type": resource["type"],
                    "values": instance.get("attributes", {}),
                }
            )
    return found


def _explain(output: str, lines: int = 40, width: int = 1000) -> str:
    """The part of a tool's output that explains a failure: from its first Error on, else its tail."""
    text = [line if len(line) <= width else line[:width] + " [...]" for line in output.splitlines()]
    errors = [i for i, line in enumerate(text) if "Error:" in line]
    shown = text[max(errors[0] - 2, 0) : errors[0] + lines] if errors else text[-lines:]
    return "\n".join(shown)
