"""Deploy and destroy the real stack against moto's AWS emulator on loopback, with no AWS account.

One implementation for ``make local`` / ``make local-down`` and for the lifecycle test
(tests/test_lifecycle.py), one module per concern:

- ``process``: moto's server (``moto_server``, patched where the stack needs AWS's behaviour),
  started on a free port of 127.0.0.1, waited for, switched to Lambda's non-Docker mode, and
  stopped by its process id.
- ``environment``: what the tools see: fake credentials, the stack's Region, the endpoint, and
  stand-ins for the public layers (the Web Adapter and Powertools: moto attaches only layers of
  the caller's own account). The stack's own package layer deploys to moto as it is.
- ``tools``: the real cdktf-cli and Terraform run in a work directory of their own.
- ``cli``: ``make local`` and ``make local-down`` (``python -m local.emulator up|down``).

The stack is the real one. The emulator is reached only through settings: ``AWS_ENDPOINT_URL``
(read at synth by constructs_lib/emulator.py, which points the provider at it; it stays with the
stack, which must not depend on these development tools) and the layer settings
``WEB_ADAPTER_LAYER_ARN`` and ``POWERTOOLS_LAYER_ARN`` (the stand-ins).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
STACK = "bedrock-inference"


class EmulatorError(RuntimeError):
    """A step of the emulator lifecycle failed; the message carries the tool output that explains it."""
