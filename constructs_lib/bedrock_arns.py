"""Which Bedrock ARNs a role needs to invoke the configured model ids and apply the guardrail,
and nothing more.

A plain model id (``anthropic.claude-...``) is invoked as its foundation-model ARN in the
stack's Region. A system-defined cross-Region inference profile (``us.``, ``eu.``, ``apac.``,
``global.`` ...) is invoked as the profile ARN in the stack's Region and account, and Bedrock
then runs the base model in whichever destination Region it picks, so the role also needs the
base model's foundation-model ARN in every Region. Bedrock's page on global cross-Region
inference adds a third form for ``global.`` profiles: the foundation-model ARN with neither
Region nor account (``arn:aws:bedrock:::foundation-model/<base id>``).

A guardrail is named by its id or its ARN (Converse's ``guardrailIdentifier`` takes both);
``bedrock:ApplyGuardrail`` is granted on ``arn:<partition>:bedrock:<region>:<account>:guardrail/<id>``
(Bedrock user guide, "Set up permissions to use Amazon Bedrock Guardrails").

Pure functions of strings (tokens allowed), so tests can check them without a synth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from function.models import INFERENCE_PROFILE_PREFIXES, base_model_id


@dataclass(frozen=True)
class ModelArns:
    """ARNs for ``bedrock:InvokeModel``: what callers name, and where it may be routed."""

    invoked: tuple[str, ...]
    """The ARN(s) callers put in ``modelId``: the profile, or the plain model."""
    routed_foundation_models: tuple[str, ...]
    """Foundation-model ARNs a profile routes to (empty for a plain model)."""
    profiles: tuple[str, ...] = ()
    """The inference-profile ARNs among ``invoked``: the only way to the routed models."""

    @property
    def all(self) -> tuple[str, ...]:
        return self.invoked + self.routed_foundation_models


def is_inference_profile(model_id: str) -> bool:
    return model_id.startswith(INFERENCE_PROFILE_PREFIXES)


def model_arns(model_id: str, *, partition: str, region: str, account_id: str) -> ModelArns:
    base = base_model_id(model_id)
    if not is_inference_profile(model_id):
        return ModelArns(
            invoked=(f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}",),
            routed_foundation_models=(),
        )
    routed = [f"arn:{partition}:bedrock:*::foundation-model/{base}"]
    if model_id.startswith("global."):
        routed.append(f"arn:{partition}:bedrock:::foundation-model/{base}")
    profile = f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{model_id}"
    return ModelArns(invoked=(profile,), routed_foundation_models=tuple(routed), profiles=(profile,))


def models_arns(model_ids: Sequence[str], *, partition: str, region: str, account_id: str) -> ModelArns:
    """Every model's ARNs together, each once, in the order of ``model_ids``."""
    each = [model_arns(model_id, partition=partition, region=region, account_id=account_id) for model_id in model_ids]
    return ModelArns(
        invoked=tuple(dict.fromkeys(arn for arns in each for arn in arns.invoked)),
        routed_foundation_models=tuple(dict.fromkeys(arn for arns in each for arn in arns.routed_foundation_models)),
        profiles=tuple(dict.fromkeys(arn for arns in each for arn in arns.profiles)),
    )


def guardrail_arn(identifier: str, *, partition: str, region: str, account_id: str) -> str:
    """The guardrail's ARN: as given, or built from its id in the stack's Region and account."""
    if identifier.startswith("arn:"):
        return identifier
    return f"arn:{partition}:bedrock:{region}:{account_id}:guardrail/{identifier}"
