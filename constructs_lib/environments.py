"""One stack per environment from one app: which stacks, and each one's settings.

``ENVIRONMENTS=dev,prod`` makes stacks ``bedrock-inference-dev`` and ``bedrock-inference-prod``;
unset, the app has its one stack ``bedrock-inference`` as before. Each environment's settings
are the usual ones (environment variable over cdktf.json ``context`` over default) with that
environment's block of ``context.environments`` laid over the shared context:

    "context": {
      "name_prefix": "bedrock-api",
      "environments": {"prod": {"lambda_memory_mb": 1024, "alarm_email": "oncall@example.com"}}
    }

An environment variable still wins over both (it applies to every environment), except
``ENVIRONMENT``, which each stack sets to its own name.

API Gateway's CloudWatch role is one account-wide setting per Region, so at most one stack
manages it: the first environment in ``ENVIRONMENTS`` whose ``API_GATEWAY_ACCOUNT_ROLE`` is on
(by default the first listed); every later environment's is turned off.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from constructs_lib.settings import ENVIRONMENTS_CONTEXT_KEY, Settings, SettingsError, load_settings

ENVIRONMENTS_VARIABLE = "ENVIRONMENTS"
_NAME = re.compile(r"[a-z][a-z0-9-]{0,15}")  # the ENVIRONMENT setting's own rule


def environment_names(environ: Mapping[str, str]) -> list[str]:
    """The environments named by ``ENVIRONMENTS`` (comma-separated), in order; empty when unset."""
    raw = environ.get(ENVIRONMENTS_VARIABLE, "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    for name in names:
        if not _NAME.fullmatch(name):
            raise SettingsError(
                f"invalid setting {ENVIRONMENTS_VARIABLE} = {raw!r}: expected comma-separated names of "
                "1-16 lowercase letters, digits or '-', each starting with a letter"
            )
    if len(set(names)) != len(names):
        raise SettingsError(f"invalid setting {ENVIRONMENTS_VARIABLE} = {raw!r}: an environment is named twice")
    return names


def environment_blocks(context: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``context.environments``: per-environment context overrides, checked for shape."""
    blocks = context.get(ENVIRONMENTS_CONTEXT_KEY, {})
    if not isinstance(blocks, dict) or not all(isinstance(b, dict) for b in blocks.values()):
        raise SettingsError(
            f"invalid cdktf.json context '{ENVIRONMENTS_CONTEXT_KEY}': expected an object of environment name → "
            'settings, e.g. {"prod": {"lambda_memory_mb": 1024}}'
        )
    for name, block in blocks.items():
        if "environment" in block:
            raise SettingsError(
                f"invalid cdktf.json context '{ENVIRONMENTS_CONTEXT_KEY}.{name}': 'environment' is the block's own name"
            )
    return blocks


def settings_for(environment: str, context: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """One environment's settings: its block over the shared context, environment variables over both."""
    shared = {key: value for key, value in context.items() if key != ENVIRONMENTS_CONTEXT_KEY}
    block = environment_blocks(context).get(environment, {})
    return load_settings(
        {**shared, **block, "environment": environment},
        {**environ, "ENVIRONMENT": environment},
    )


def stack_settings(stack_id: str, context: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Settings]:
    """Stack id → settings: ``<stack_id>-<environment>`` per ``ENVIRONMENTS`` entry, else ``stack_id`` alone."""
    names = environment_names(environ)
    if names:
        return one_account_role_manager({f"{stack_id}-{name}": settings_for(name, context, environ) for name in names})
    # One stack, as before; its environment (ENVIRONMENT, context, default) still gets its block.
    single = load_settings({k: v for k, v in context.items() if k != ENVIRONMENTS_CONTEXT_KEY}, environ).environment
    return {stack_id: settings_for(single, context, environ)}


def one_account_role_manager(stacks: dict[str, Settings]) -> dict[str, Settings]:
    """The stacks with API Gateway's account-wide CloudWatch role managed by the first that asks.

    Two stacks setting the one per-Region value would overwrite each other's role on every apply,
    and destroying either (``reset_on_delete``) would unset it for the other.
    """
    manager = next((stack_id for stack_id, settings in stacks.items() if settings.api_gateway_account_role), None)
    return {
        stack_id: settings if stack_id == manager else dataclasses.replace(settings, api_gateway_account_role=False)
        for stack_id, settings in stacks.items()
    }
