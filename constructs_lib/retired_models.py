"""Bedrock model ids that no longer answer, so synth can warn before a deploy that cannot work.

A short, dated list, not a catalogue: Bedrock's "Model lifecycle" page is the authority
and lists every model's state. Ids here reached end of life (EOL) on Bedrock: requests to them
fail. Cross-Region profile ids built on them (``us.<id>``, ...) are retired with them.
"""

from __future__ import annotations

from constructs_lib.bedrock_arns import base_model_id

LIST_CHECKED_ON = "2026-11-25"

# base model id -> its EOL date on Bedrock, where this list recorded one
RETIRED_MODELS = {
    "anthropic.claude-3-5-sonnet-20240620-v1:0": "2026-03-01",
    "anthropic.claude-v2": "EOL, date not recorded here",
    "anthropic.claude-v2:1": "EOL, date not recorded here",
    "anthropic.claude-instant-v1": "EOL, date not recorded here",
}


def retirement_notice(model_id: str) -> str | None:
    """A one-line warning when ``model_id`` (or the model behind a profile) is retired."""
    eol = RETIRED_MODELS.get(base_model_id(model_id))
    if eol is None:
        return None
    return (
        f"MODEL_ID {model_id!r} names a model Amazon Bedrock retired ({eol}; list checked "
        f"{LIST_CHECKED_ON}): its requests fail unless your account has private access. "
        f"Set MODEL_ID to a current model, e.g. the default us.anthropic.claude-sonnet-5."
    )
