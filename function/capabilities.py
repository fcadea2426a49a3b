"""What the configured model accepts, decided from its row in models.py before any Bedrock call.

A request with a parameter the model refuses would cost a round trip and come back as
Bedrock's wording; here it is a 400 that names the parameter, the model and what to do
instead. A model missing from the table gets no checks: the request passes through and
Bedrock decides, as before the table existed.

The model-specific parts of the ConverseStream request are built here too: the effort
(``outputConfig.effort``, as botocore's bedrock-runtime model documents it) and adaptive
thinking for a model that thinks only when asked (``additionalModelRequestFields.thinking``,
Bedrock user guide, "Adaptive thinking").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from errors import ApiError
from inference import InferenceRequest
from models import ModelFacts, facts_for, resolve_effort

PARAMETERS = ("temperature", "top_p")  # the sampling parameters this API takes


@lru_cache(maxsize=16)
def facts(model_id: str) -> ModelFacts | None:
    """The model's row (cached: the configured model is looked up on every request)."""
    return facts_for(model_id)


def refusal(request: InferenceRequest, model_id: str) -> ApiError | None:
    """The 400 for a request the configured model would refuse, or None."""
    row = facts(model_id)
    if row is None:
        return None
    model = f"{row.name} ({model_id})"
    given = [name for name in PARAMETERS if getattr(request, name) is not None]
    for name in given:
        if name in row.refused_parameters:
            return _refuse(name, f"{model} accepts no {name!r}: it samples at its defaults only; remove the field")
    together = [name for name in given if name in row.exclusive_parameters]
    if len(together) > 1:
        return _refuse(together[1], f"{model} accepts {' or '.join(map(repr, together))}, not both; keep one")
    if request.effort is not None:
        if not row.effort_levels:
            return _refuse("effort", f"{model} has no effort control; remove 'effort'")
        if request.effort not in row.effort_levels:
            return _refuse("effort", f"{model} takes 'effort' {', '.join(row.effort_levels)}, not {request.effort!r}")
    if request.include_reasoning and row.thinking == "none":
        return _refuse("include_reasoning", f"{model} does not think, so it has no reasoning to include")
    return None


def model_arguments(request: InferenceRequest, model_id: str, effort_setting: str) -> dict[str, Any]:
    """The ConverseStream fields that depend on the model: effort, and thinking when asked.

    ``effort_setting`` is EFFORT as set (``auto``, ``default`` or a level), resolved here for
    this request's model: with several models, one may offer effort control and another not.
    """
    row = facts(model_id)
    arguments: dict[str, Any] = {}
    effort = request.effort
    default_effort = resolve_effort(effort_setting, model_id)
    if effort is None and default_effort and (row is None or default_effort in row.effort_levels):
        effort = default_effort
    if effort is not None:
        arguments["outputConfig"] = {"effort": effort}
    # Effort is capped at `high` while thinking is off (botocore's bedrock-runtime model,
    # OutputConfig.effort): a model that thinks only when asked is asked for higher levels too.
    wants_thinking = request.include_reasoning or effort in ("xhigh", "max")
    if wants_thinking and row is not None and row.thinking == "optional":
        arguments["additionalModelRequestFields"] = {"thinking": {"type": "adaptive"}}
    return arguments


def _refuse(parameter: str, message: str) -> ApiError:
    return ApiError("unsupported_parameter", message, internal=f"refused before Bedrock: {parameter}", param=parameter)
