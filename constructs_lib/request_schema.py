"""The request model API Gateway checks POST /invoke bodies against before invoking Lambda.

It mirrors the function's contract (function/request.py) but is never stricter: whatever the
function accepts passes here (``null`` means "not given" to the function, so nulls pass), and
the function still makes the finer checks (roles alternating, control characters, one of
``prompt``/``messages``). What it refuses — unknown fields, wrong types, an oversized prompt,
``max_tokens`` out of range — never costs a Lambda invocation. tests/test_request_schema.py
checks the agreement.

The schema sits in the OpenAPI 3.0 document's ``components/schemas`` (constructs_lib/openapi.py),
so it must be two things at once:

- an OpenAPI 3.0 Schema Object: one ``type`` per schema, no ``"null"`` type, no ``$schema``
  (openapi-spec-validator refuses ``"type": ["string", "null"]``). OpenAPI 3.0's own answer,
  ``nullable: true``, is not JSON Schema;
- an API Gateway model: "API Gateway models are defined using JSON schema draft 4, instead of
  the JSON schema used by OpenAPI" (API Gateway "Amazon API Gateway important notes", REST
  APIs). A ``nullable`` keyword means nothing there, so ``{"type": "string", "nullable": true}``
  would refuse null at the edge: stricter than the function.

``{"anyOf": [<the type>, {"enum": [null]}]}`` means "this, or null" in both (``_or_null``). The
same notes list ``anyOf``, ``additionalProperties`` (and, for simple validation, ``maxItems``) as
unsupported in imported models; if API Gateway drops a keyword, its model only grows looser, and
the function refuses what gets through with the same 400/413 answers. Never stricter, either way.

The schema follows the configured models' rows in function/models.py, as the function does.
A request may name any model of MODEL_ID (``model``). A branch per model keyed on ``model``
(draft 4 has no if/then: an ``anyOf`` of branches) would refuse an unknown model at the edge,
as an enum would (below), so the schema refuses only what every listed model refuses: a sampling
parameter all of them refuse admits only null
("not given"), so any value is refused here, before Lambda runs; two parameters no model takes
together may not both hold a number; ``effort`` takes the levels any of them offers, and only
null when none has effort control. A model without a row (None) keeps every field, with
``effort`` any short string. The function then refuses, per model, what gets through.

``model`` is any string here. An enum of the listed ids would refuse an unknown model at the
edge, but with API Gateway's generic 400; the function answers 404 ``model_not_found`` naming
the models served, which is what OpenAI answers and what its SDKs turn into ``NotFoundError``.
Nothing is spent on Bedrock either way: the function refuses before any call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from function.models import EFFORT_LEVELS, ModelFacts

MAX_STOP_SEQUENCES = 4
MODEL_NAME = "InferenceRequest"  # API Gateway model names are alphanumeric
# Bedrock's own bound on outputConfig.effort (botocore's service model, OutputConfigEffortString).
EFFORT_MAX_LENGTH = 16
NOT_GIVEN = {"enum": [None]}  # the field may only be left out, or null


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or JSON null (a field the caller set to null is a field not given)."""
    return {"anyOf": [schema, {"enum": [None]}]}


def request_schema(
    *, prompt_max_chars: int, max_tokens_cap: int, models: Sequence[ModelFacts | None] = (None,)
) -> dict[str, Any]:
    """The request model for these limits and the configured models' rows (None: a model without one)."""
    text = {"type": "string", "maxLength": prompt_max_chars}
    unit = {"type": "number", "minimum": 0, "maximum": 1}
    message = {
        "type": "object",
        "additionalProperties": False,
        "required": ["role", "content"],
        "properties": {"role": {"enum": ["user", "assistant"]}, "content": text},
    }
    refused = _refused_by_all(models)
    schema = {
        "title": MODEL_NAME,
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["prompt"]}, {"required": ["messages"]}],
        "properties": {
            "prompt": _or_null(text),
            "messages": _or_null({"type": "array", "items": message}),
            "system": _or_null(text),
            "max_tokens": _or_null({"type": "integer", "minimum": 1, "maximum": max_tokens_cap}),
            "temperature": NOT_GIVEN if "temperature" in refused else _or_null(unit),
            "top_p": NOT_GIVEN if "top_p" in refused else _or_null(unit),
            "stop_sequences": _or_null({"type": "array", "maxItems": MAX_STOP_SEQUENCES, "items": {"type": "string"}}),
            "stream": _or_null({"type": "boolean"}),
            "effort": _effort(models),
            "include_reasoning": _or_null({"type": "boolean"}),
            "model": _or_null({"type": "string"}),  # the function's 404 names the models served
        },
    }
    together = sorted({"temperature", "top_p"} - refused)
    if len(together) > 1 and all(_refuses_together(row, together) for row in models):
        schema["not"] = {"required": together, "properties": {name: {"type": "number"} for name in together}}
    return schema


def _refused_by_all(models: Sequence[ModelFacts | None]) -> frozenset[str]:
    """The sampling parameters every model refuses (none, when a model has no row)."""
    return frozenset.intersection(*(row.refused_parameters if row else frozenset() for row in models))


def _refuses_together(row: ModelFacts | None, names: list[str]) -> bool:
    """Whether the model refuses a request that sets all of ``names``: one of them alone, or the
    set (parameters it takes only one at a time)."""
    if row is None:
        return False
    return bool(row.refused_parameters & set(names)) or set(names) <= row.exclusive_parameters


def _effort(models: Sequence[ModelFacts | None]) -> dict[str, Any]:
    known = [row for row in models if row is not None]
    if len(known) < len(models):
        return _or_null({"type": "string", "maxLength": EFFORT_MAX_LENGTH})
    offered = {level for row in known for level in row.effort_levels}
    if not offered:
        return NOT_GIVEN
    return _or_null({"enum": [level for level in EFFORT_LEVELS if level in offered]})
