"""What each Claude model family on Amazon Bedrock accepts and costs, as data: one row per family.

The function reads it to refuse, before any Bedrock call, a request the configured model would
refuse; the stack (constructs_lib/) reads the same rows for the request schema at the edge, the
``EFFORT`` check, the dashboard's prices and the retirement warnings. Standard library only: this
file ships in the Lambda zip, and the dependency points from the stack to here, never back.

Every fact in a row comes from the pages in its ``sources``; where none of them states a fact,
the field keeps its "unknown" default (``0``, ``None``, empty) and a comment says so. A model id
that no row matches is passed through as before: nothing is refused or sent on its behalf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Prefixes of Bedrock's system-defined cross-Region inference profiles (``us.anthropic....``).
INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.")

# The values of Converse's ``outputConfig.effort``: botocore's bedrock-runtime service model,
# shape OutputConfig ("Supported values are low, medium, high, xhigh, and max"). Which of them a
# model accepts is its row's ``effort_levels``.
EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")
SAMPLING_PARAMETERS = frozenset({"temperature", "top_p", "top_k"})
THINKING = ("always", "optional", "none")


@dataclass(frozen=True)
class ModelFacts:
    """One model family on Bedrock: what it refuses, how it thinks, what it costs, when it goes."""

    name: str
    pattern: str
    """regex, fullmatched against the base model id (no us./eu./apac./global. prefix)"""
    refused_parameters: frozenset[str] = frozenset()
    """of temperature/top_p/top_k: Bedrock answers 400 to any non-default value"""
    exclusive_parameters: frozenset[str] = frozenset()
    """these may not be set together (temperature and top_p on Sonnet 4.5 / Haiku 4.5)"""
    thinking: str = "none"
    """"always": adaptive, cannot be turned off on Bedrock; "optional": adaptive when asked;
    "none": no adaptive thinking (older models think only with a token budget, never sent here)"""
    effort_levels: tuple[str, ...] = ()
    """accepted ``effort`` values; () = no effort control"""
    max_output_tokens: int = 0
    """0 = unknown"""
    input_usd_per_mtok: float | None = None
    """on-demand list price per million input tokens; None = unknown"""
    output_usd_per_mtok: float | None = None
    prices_read: str = ""
    """YYYY-MM-DD the prices were read"""
    retires: str | None = None
    """YYYY-MM-DD end of life on Bedrock (past: retired; future: going); None = none known"""
    sources: tuple[str, ...] = ()
    """the documentation pages the row's facts come from"""
    bedrock_ids: tuple[str, ...] = ()
    """the base model ids Bedrock documents for the family (the pattern matches each)"""

    def __post_init__(self) -> None:
        unknown = (self.refused_parameters | self.exclusive_parameters) - SAMPLING_PARAMETERS
        if unknown or self.thinking not in THINKING or set(self.effort_levels) - set(EFFORT_LEVELS):
            raise ValueError(
                f"model row {self.name!r} names a parameter, thinking mode or effort level that does not exist"
            )

    def matches(self, base_id: str) -> bool:
        return re.fullmatch(self.pattern, base_id) is not None

    @property
    def priced(self) -> bool:
        return self.input_usd_per_mtok is not None and self.output_usd_per_mtok is not None


# The pages the rows cite. Anthropic's pages describe the model everywhere; Bedrock's where
# Bedrock differs (thinking that cannot be turned off, its own end-of-life dates).
WHATS_NEW_SONNET_5 = "https://platform.claude.com/docs/en/about-claude/models/whats-new-sonnet-5"
SONNET_5_PAGE = "https://platform.claude.com/docs/en/models/sonnet-5/overview"
# Bedrock's Claude Sonnet 5 model card ("Reasoning: Supported (adaptive thinking is always on and
# cannot be disabled; effort level is configurable)"), as quoted here; the card itself was not
# in the documentation this table was written from.
SONNET_5_BEDROCK_CARD_QUOTED = "https://chatforest.com/builders-log/claude-sonnet-5-bedrock-deployment-always-on-thinking-inference-paths-builder-guide/"
# Anthropic called $2/$10 introductory until 2026-08-31, then updated the announcement on
# 2026-08-10 to make it the standard price; Sonnet 5's model page still lists $2/$10.
SONNET_5_PRICE_KEPT = "https://github.com/Piebald-AI/splitrail/pull/235"
BEDROCK_ADAPTIVE_THINKING = (
    "https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-adaptive-thinking.html"
)
BEDROCK_MESSAGES_API = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html"
BEDROCK_LIFECYCLE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html"
BOTOCORE_OUTPUT_CONFIG = (
    "https://github.com/boto/botocore/blob/develop/botocore/data/bedrock-runtime/2023-09-30/service-2.json"
)
EFFORT = "https://platform.claude.com/docs/en/build-with-claude/effort"
MODELS_OVERVIEW = "https://platform.claude.com/docs/en/about-claude/models/overview"
PRICING = "https://platform.claude.com/docs/en/about-claude/pricing"
# Anthropic's models page of 2024 (8192 output tokens for the Claude 3.5 models), as copied here.
CLAUDE_3_5_MODELS_PAGE = "https://github.com/stackql/stackql-registry-docs/pull/204"

# An id's version tail as Bedrock spells it: an optional snapshot date, -vN, :N.
_TAIL = r"(-\d{8})?(-v\d+)?(:\d+)?"

MODELS: tuple[ModelFacts, ...] = (
    ModelFacts(
        name="Claude Sonnet 5",
        pattern=r"anthropic\.claude-sonnet-5" + _TAIL,  # not sonnet-5-5: Claude Sonnet 5.5 is another family
        refused_parameters=SAMPLING_PARAMETERS,
        thinking="always",
        effort_levels=EFFORT_LEVELS,
        max_output_tokens=128_000,
        input_usd_per_mtok=2.0,
        output_usd_per_mtok=10.0,
        prices_read="2026-11-26",
        sources=(
            WHATS_NEW_SONNET_5,
            SONNET_5_PAGE,
            SONNET_5_BEDROCK_CARD_QUOTED,
            BEDROCK_ADAPTIVE_THINKING,
            EFFORT,
            BOTOCORE_OUTPUT_CONFIG,
            SONNET_5_PRICE_KEPT,
        ),
        bedrock_ids=("anthropic.claude-sonnet-5",),
    ),
    ModelFacts(
        name="Claude Opus 4.7",
        pattern=r"anthropic\.claude-opus-4-7" + _TAIL,
        # "the same constraint was previously introduced on Claude Opus 4.7" (What's new in Sonnet 5)
        refused_parameters=SAMPLING_PARAMETERS,
        # Bedrock's adaptive-thinking page: adaptive only (a thinking budget is a 400). An earlier
        # version also listed disabled thinking as a 400; the current one no longer names Opus 4.7.
        thinking="optional",
        effort_levels=EFFORT_LEVELS,
        max_output_tokens=128_000,  # Google Cloud's Opus 4.7 model card: 128,000 output tokens
        input_usd_per_mtok=5.0,
        output_usd_per_mtok=25.0,
        prices_read="2026-11-26",
        sources=(
            WHATS_NEW_SONNET_5,
            BEDROCK_ADAPTIVE_THINKING,
            EFFORT,
            PRICING,
            "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/partner-models/claude/opus-4-7",
        ),
        bedrock_ids=("anthropic.claude-opus-4-7",),
    ),
    ModelFacts(
        name="Claude Opus 4.6",
        pattern=r"anthropic\.claude-opus-4-6" + _TAIL,
        thinking="optional",
        effort_levels=("low", "medium", "high", "max"),  # xhigh came with Opus 4.7
        max_output_tokens=128_000,
        input_usd_per_mtok=5.0,
        output_usd_per_mtok=25.0,
        prices_read="2026-11-26",
        sources=(BEDROCK_ADAPTIVE_THINKING, EFFORT, "https://platform.claude.com/docs/en/models/opus-4-6/overview"),
        bedrock_ids=("anthropic.claude-opus-4-6-v1",),
    ),
    ModelFacts(
        name="Claude Sonnet 4.6",
        pattern=r"anthropic\.claude-sonnet-4-6" + _TAIL,
        thinking="optional",
        effort_levels=("low", "medium", "high", "max"),
        max_output_tokens=128_000,
        input_usd_per_mtok=3.0,
        output_usd_per_mtok=15.0,
        prices_read="2026-11-26",
        sources=(BEDROCK_ADAPTIVE_THINKING, EFFORT, "https://platform.claude.com/docs/en/models/sonnet-4-6/overview"),
        bedrock_ids=("anthropic.claude-sonnet-4-6",),
    ),
    ModelFacts(
        name="Claude Opus 4.5",
        pattern=r"anthropic\.claude-opus-4-5" + _TAIL,
        effort_levels=("low", "medium", "high"),  # max came with Opus 4.6
        max_output_tokens=64_000,
        input_usd_per_mtok=5.0,
        output_usd_per_mtok=25.0,
        prices_read="2026-11-26",
        sources=(
            MODELS_OVERVIEW,
            EFFORT,
            BEDROCK_ADAPTIVE_THINKING,
            "https://platform.claude.com/docs/en/models/opus-4-5/overview",
        ),
        bedrock_ids=("anthropic.claude-opus-4-5-20251101-v1:0",),
    ),
    ModelFacts(
        name="Claude Sonnet 4.5",
        pattern=r"anthropic\.claude-sonnet-4-5" + _TAIL,
        exclusive_parameters=frozenset({"temperature", "top_p"}),  # "either ... but not both" (Bedrock)
        max_output_tokens=64_000,
        input_usd_per_mtok=3.0,
        output_usd_per_mtok=15.0,
        prices_read="2026-11-26",
        # Anthropic retires it on its own platforms on 2026-11-30; Bedrock sets its own date,
        # and none was found for it.
        sources=(BEDROCK_MESSAGES_API, MODELS_OVERVIEW, EFFORT, BEDROCK_ADAPTIVE_THINKING),
        bedrock_ids=("anthropic.claude-sonnet-4-5-20250929-v1:0",),
    ),
    ModelFacts(
        name="Claude Haiku 4.5",
        pattern=r"anthropic\.claude-haiku-4-5" + _TAIL,
        exclusive_parameters=frozenset({"temperature", "top_p"}),
        max_output_tokens=64_000,
        input_usd_per_mtok=1.0,
        output_usd_per_mtok=5.0,
        prices_read="2026-11-26",
        sources=(BEDROCK_MESSAGES_API, MODELS_OVERVIEW, EFFORT),
        bedrock_ids=("anthropic.claude-haiku-4-5-20251001-v1:0",),
    ),
    ModelFacts(
        name="Claude Opus 4.1",
        pattern=r"anthropic\.claude-opus-4-1" + _TAIL,
        max_output_tokens=32_000,
        input_usd_per_mtok=15.0,
        output_usd_per_mtok=75.0,
        prices_read="2026-11-26",
        retires="2027-01-08",  # Legacy on Bedrock since 2026-07-08
        sources=(MODELS_OVERVIEW, PRICING, BEDROCK_LIFECYCLE, "https://github.com/anomalyco/models.dev/pull/3708"),
        bedrock_ids=("anthropic.claude-opus-4-1-20250805-v1:0",),
    ),
    ModelFacts(
        name="Claude Sonnet 4",
        pattern=r"anthropic\.claude-sonnet-4" + _TAIL,
        max_output_tokens=64_000,
        input_usd_per_mtok=3.0,
        output_usd_per_mtok=15.0,
        prices_read="2026-11-26",
        retires="2026-10-14",  # Legacy on Bedrock since 2026-04-14
        sources=(
            MODELS_OVERVIEW,
            BEDROCK_LIFECYCLE,
            "https://github.com/awslabs/threat-composer/pull/290",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-sonnet-4.html",
        ),
        bedrock_ids=("anthropic.claude-sonnet-4-20250514-v1:0",),
    ),
    ModelFacts(
        name="Claude 3.7 Sonnet",
        pattern=r"anthropic\.claude-3-7-sonnet" + _TAIL,
        max_output_tokens=64_000,  # 128K only with Anthropic's output-128k beta header, not sent here
        input_usd_per_mtok=3.0,
        output_usd_per_mtok=15.0,
        prices_read="2026-11-26",
        retires="2026-04-28",
        sources=(MODELS_OVERVIEW, BEDROCK_LIFECYCLE, "https://www.bitslovers.com/bedrock-model-lifecycle"),
        bedrock_ids=("anthropic.claude-3-7-sonnet-20250219-v1:0",),
    ),
    ModelFacts(
        name="Claude 3.5 Sonnet v2",
        pattern=r"anthropic\.claude-3-5-sonnet-20241022-v2(:\d+)?",
        max_output_tokens=8_192,
        # No price: Anthropic's list price and Bedrock's extended-access price ($6/$30 from
        # 2025-12-01, AWS's notice for v1) differed, and which one applied depended on the date.
        retires="2026-03-01",
        sources=(BEDROCK_LIFECYCLE, "https://github.com/run-llama/llama_index/pull/20211", CLAUDE_3_5_MODELS_PAGE),
        bedrock_ids=("anthropic.claude-3-5-sonnet-20241022-v2:0",),
    ),
    ModelFacts(
        name="Claude 3.5 Sonnet v1",
        pattern=r"anthropic\.claude-3-5-sonnet-20240620-v1(:\d+)?",
        max_output_tokens=8_192,
        retires="2026-03-01",  # AWS's notice: extended access 2025-12-01, requests fail after 2026-03-01
        sources=(BEDROCK_LIFECYCLE, "https://github.com/posit-dev/positron/issues/9339", CLAUDE_3_5_MODELS_PAGE),
        bedrock_ids=("anthropic.claude-3-5-sonnet-20240620-v1:0",),
    ),
    ModelFacts(
        name="Claude 3.5 Haiku",
        pattern=r"anthropic\.claude-3-5-haiku" + _TAIL,
        max_output_tokens=8_192,
        input_usd_per_mtok=0.8,
        output_usd_per_mtok=4.0,
        prices_read="2026-11-26",
        retires="2026-06-19",  # Legacy 2025-12-19, extended access 2026-03-19
        sources=(
            BEDROCK_LIFECYCLE,
            MODELS_OVERVIEW,
            "https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-3-5-haiku.html",
            "https://github.com/BerriAI/litellm/pull/28704",
        ),
        bedrock_ids=("anthropic.claude-3-5-haiku-20241022-v1:0",),
    ),
    ModelFacts(
        name="Claude 2",
        pattern=r"anthropic\.claude-v2",
        # Bedrock's EOL table: Legacy 2025-01-21, EOL 2025-07-21, all Regions. Claude 2.1
        # (anthropic.claude-v2:1) and Instant are gone too, but their dates were not read: no row.
        retires="2025-07-21",
        sources=(BEDROCK_LIFECYCLE, "https://github.com/epam/ai-dial-adapter-bedrock/pull/310"),
        bedrock_ids=("anthropic.claude-v2",),
    ),
)


def base_model_id(model_id: str) -> str:
    """The foundation model behind an id: the id itself, or a profile's id without its prefix."""
    return model_id.split(".", 1)[1] if model_id.startswith(INFERENCE_PROFILE_PREFIXES) else model_id


def facts_for(model_id: str) -> ModelFacts | None:
    """The row of ``model_id`` (a model id or a cross-Region/global profile id), or None when no
    row describes it: such a model is passed through, nothing refused or added for it."""
    base = base_model_id(model_id)
    return next((row for row in MODELS if row.matches(base)), None)


def resolve_effort(effort: str, model_id: str) -> str:
    """The effort to send for the ``EFFORT`` setting: ``auto`` is ``medium`` where the model's row
    lists it and nothing elsewhere, ``default`` is nothing (the model's own default applies), a
    level is itself. Empty means: send no effort."""
    if effort == "default":
        return ""
    if effort == "auto":
        facts = facts_for(model_id)
        return "medium" if facts is not None and "medium" in facts.effort_levels else ""
    return effort
