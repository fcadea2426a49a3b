"""The model capability table (function/models.py): well-formed rows, and lookups that find the
right row for every id Bedrock spells, or none."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date

import botocore
import pytest

from function.models import (
    EFFORT_LEVELS,
    INFERENCE_PROFILE_PREFIXES,
    MODELS,
    ModelFacts,
    facts_for,
    resolve_effort,
)

SERVICE_MODEL = botocore.__path__[0] + "/data/bedrock-runtime/2023-09-30/service-2.json.gz"
ALL_IDS = [model_id for row in MODELS for model_id in row.bedrock_ids]


@pytest.mark.parametrize("row", MODELS, ids=lambda row: row.name)
def test_every_row_cites_its_sources_and_matches_its_own_ids(row):
    assert row.sources and all(source.startswith("https://") for source in row.sources)
    assert row.bedrock_ids and all(row.matches(model_id) for model_id in row.bedrock_ids)


@pytest.mark.parametrize("row", MODELS, ids=lambda row: row.name)
def test_dates_are_iso_days_and_a_price_says_when_it_was_read(row):
    if row.retires is not None:
        date.fromisoformat(row.retires)
    if row.priced:
        date.fromisoformat(row.prices_read)
        assert row.input_usd_per_mtok <= row.output_usd_per_mtok  # output costs more, on every Claude
    else:
        assert row.input_usd_per_mtok is None and row.output_usd_per_mtok is None


@pytest.mark.parametrize("model_id", ALL_IDS)
def test_no_two_rows_match_one_id(model_id):
    assert [row.name for row in MODELS if row.matches(model_id)] == [facts_for(model_id).name]


@pytest.mark.parametrize("prefix", ["", *INFERENCE_PROFILE_PREFIXES])
def test_a_cross_region_or_global_profile_is_its_base_model(prefix):
    assert facts_for(f"{prefix}anthropic.claude-sonnet-5").name == "Claude Sonnet 5"
    assert facts_for(f"{prefix}anthropic.claude-sonnet-4-5-20250929-v1:0").name == "Claude Sonnet 4.5"


@pytest.mark.parametrize(
    "model_id, name",
    [
        ("anthropic.claude-sonnet-5:0", "Claude Sonnet 5"),  # a version suffix is the same family
        ("anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4"),  # not 4.5 or 4.6
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet v1"),
    ],
)
def test_families_that_share_a_prefix_stay_apart(model_id, name):
    assert facts_for(model_id).name == name


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-sonnet-5-5",  # Claude Sonnet 5.5, another family with other rules
        "us.anthropic.claude-opus-5",
        "amazon.nova-pro-v1:0",
        "anthropic.claude-instant-v1",
        "sonnet-5",
    ],
)
def test_an_id_no_row_describes_is_passed_through(model_id):
    assert facts_for(model_id) is None


def test_the_default_model_thinks_always_refuses_sampling_and_offers_every_effort():
    sonnet = facts_for("us.anthropic.claude-sonnet-5")
    assert sonnet.refused_parameters == {"temperature", "top_p", "top_k"}
    assert sonnet.thinking == "always"
    assert sonnet.effort_levels == EFFORT_LEVELS
    assert sonnet.max_output_tokens == 128_000


def test_the_effort_levels_are_the_ones_bedrocks_service_model_documents():
    # botocore's bedrock-runtime model, shape OutputConfig: "Supported values are <code>low</code>, ..."
    with gzip.open(SERVICE_MODEL) as service:
        shapes = json.load(service)["shapes"]
    effort = shapes["OutputConfig"]["members"]["effort"]
    assert "outputConfig" in shapes["ConverseStreamRequest"]["members"]
    documented = re.findall(
        r"<code>(\w+)</code>", effort["documentation"].split("Supported values are")[1].split(".")[0]
    )
    assert tuple(documented) == EFFORT_LEVELS
    assert all(len(level) <= shapes[effort["shape"]]["max"] for level in EFFORT_LEVELS)


@pytest.mark.parametrize(
    "effort, model_id, sent",
    [
        ("auto", "us.anthropic.claude-sonnet-5", "medium"),
        ("auto", "anthropic.claude-opus-4-5-20251101-v1:0", "medium"),
        ("auto", "anthropic.claude-sonnet-4-5-20250929-v1:0", ""),  # no effort control
        ("auto", "amazon.nova-pro-v1:0", ""),  # not in the table: nothing added
        ("default", "us.anthropic.claude-sonnet-5", ""),  # the model's own default
        ("xhigh", "us.anthropic.claude-sonnet-5", "xhigh"),
    ],
)
def test_the_effort_setting_becomes_the_effort_sent(effort, model_id, sent):
    assert resolve_effort(effort, model_id) == sent


@pytest.mark.parametrize(
    "mistake",
    [
        {"refused_parameters": frozenset({"temprature"})},
        {"exclusive_parameters": frozenset({"top_k", "stream"})},
        {"thinking": "sometimes"},
        {"effort_levels": ("medium", "extreme")},
    ],
)
def test_a_row_with_a_misspelt_fact_is_refused_at_import(mistake):
    with pytest.raises(ValueError, match="'Claude Test'"):
        ModelFacts(name="Claude Test", pattern="x", **mistake)
