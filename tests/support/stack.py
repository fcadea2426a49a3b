"""Synthesizing a construct or the whole stack in a test, and reading resources back.

``synth_construct`` does what cdktf's ``Testing.synth_scope`` does in TypeScript (which does
not work from Python, hashicorp/terraform-cdk#2871): a stack in ``Testing.app()``, the
construct built in it, and ``Testing.synth`` of that stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cdktf import TerraformStack, Testing

from constructs_lib.aws import AwsProvider
from constructs_lib.settings import Settings


def synth_construct(build: Callable[[TerraformStack], object]) -> str:
    """Synthesize one construct in a fresh test stack; returns Terraform JSON (a string).

    The stack carries an AWS provider, as every stack of this app does, so data sources
    and resources resolve the same way they do in the real stack.
    """
    app = Testing.app()
    stack = TerraformStack(app, "test")
    AwsProvider(stack, "aws", region="us-east-1")
    build(stack)
    return Testing.synth(stack)


def build_stack(settings: Settings | None = None, stack_id: str = "bedrock-inference"):
    """The app's whole stack, in a fresh ``Testing.app()``, with these settings."""
    from constructs_lib.stack import BedrockInferenceStack

    return BedrockInferenceStack(Testing.app(), stack_id, settings=settings or Settings())


def synth_stack(settings: Settings | None = None, stack_id: str = "bedrock-inference") -> str:
    """Terraform JSON (a string) of the whole stack with these settings."""
    return Testing.synth(build_stack(settings, stack_id))


def resources_of(synthesized: str, resource_type: str) -> list[dict]:
    """Every resource of one type in a synthesized stack, for assertions the matchers lack."""
    return list(json.loads(synthesized).get("resource", {}).get(resource_type, {}).values())


def data_sources_of(synthesized: str, data_type: str) -> list[dict]:
    return list(json.loads(synthesized).get("data", {}).get(data_type, {}).values())
