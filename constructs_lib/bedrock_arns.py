"""Which Bedrock ARNs a role needs to invoke one model id, and nothing more.

A plain model id (``anthropic.claude-...``) is invoked as its foundation-model ARN in the
stack's Region. A system-defined cross-Region inference profile (``us.``, ``eu.``, ``apac.``,
``global.`` ...) is invoked as the profile ARN in the stack's Region and account, and Bedrock
then runs the base model in whichever destination Region it picks, so the role also needs the
base model's foundation-model ARN in every Region. Bedrock's page on global cross-Region
inference adds a third form for ``global.`` profiles: the foundation-model ARN with neither
Region nor account (``arn:aws:bedrock:::foundation-model/<base id>``).

Pure functions of strings (tokens allowed), so tests can check them without a synth.
"""

from __future__ import annotations

from dataclasses import dataclass

from function.models import INFERENCE_PROFILE_PREFIXES, base_model_id


@dataclass(frozen=True)
class ModelArns:
    """ARNs for ``bedrock:InvokeModel``: what callers name, and where it may be routed."""

    invoked: tuple[str, ...]
    """The ARN(s) callers put in ``modelId``: the profile, or the plain model."""
    routed_foundation_models: tuple[str, ...]
    """Foundation-model ARNs a profile routes to (empty for a plain model)."""

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
    return ModelArns(
        invoked=(f"arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{model_id}",),
        routed_foundation_models=tuple(routed),
    )
