"""What the stack makes of the configured models' rows in function/models.py.

The table lives with the function (the Lambda reads it); the stack reads the same rows for the
prices on the dashboard (the default model's: the first of MODEL_ID) and the warnings synth
prints, for each model of MODEL_ID, before a deploy that cannot work as meant: a model Bedrock
retired or is retiring, a model without a price, a cap above the model's output limit, an
effort sent to a model the table does not know or skipped for one that does not offer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from constructs_lib.settings import Settings
from function.models import EFFORT_LEVELS, ModelFacts, facts_for


@dataclass(frozen=True)
class TokenPrices:
    """USD per million tokens, for the dashboard's cost estimate only (nothing is billed from it)."""

    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None
    basis: str = ""
    """where the numbers come from, shown beside them"""

    @property
    def known(self) -> bool:
        return self.input_usd_per_mtok is not None and self.output_usd_per_mtok is not None


def token_prices(settings: Settings) -> TokenPrices:
    """The default model's list prices, each replaced by its ``PRICE_*`` setting when set."""
    facts = facts_for(settings.model_id)
    listed_in = facts.input_usd_per_mtok if facts else None
    listed_out = facts.output_usd_per_mtok if facts else None
    given = (settings.price_input_usd_per_mtok, settings.price_output_usd_per_mtok)
    prices = TokenPrices(
        given[0] if given[0] is not None else listed_in,
        given[1] if given[1] is not None else listed_out,
    )
    if not prices.known:
        return prices
    listed = f"{facts.name} list price, read {facts.prices_read}" if facts and facts.priced else ""
    basis = (
        "PRICE_* settings"
        if None not in given
        else listed
        if given == (None, None)
        else f"PRICE_* setting and {listed}"
    )
    return TokenPrices(prices.input_usd_per_mtok, prices.output_usd_per_mtok, basis)


def retirement_notice(model_id: str, today: date) -> str | None:
    """A warning when the model's row has an end-of-life date on Bedrock: passed, or to come."""
    facts = facts_for(model_id)
    if facts is None or facts.retires is None:
        return None
    if _retired(facts, today):
        return (
            f"MODEL_ID {model_id!r} is {facts.name}, which Amazon Bedrock retired on {facts.retires}: its "
            "requests fail unless your account has private access. Set MODEL_ID to a current model, e.g. "
            "the default us.anthropic.claude-sonnet-5 (README: model capabilities)."
        )
    return (
        f"MODEL_ID {model_id!r} is {facts.name}, which Amazon Bedrock retires on {facts.retires}: from then "
        "on its requests fail. Plan the move to a current model (README: model capabilities)."
    )


def _retired(facts: ModelFacts | None, today: date) -> bool:
    """Whether the model's end-of-life date on Bedrock has come."""
    return facts is not None and facts.retires is not None and date.fromisoformat(facts.retires) <= today


def model_warnings(settings: Settings, today: date) -> list[str]:
    """Synth warnings about each model of MODEL_ID, from its row (or its lack of one)."""
    warnings = []
    for model_id in settings.model_ids:
        warnings += _warnings_for(settings, model_id, today)
    spread = _price_spread(settings)
    if spread:
        warnings.append(spread)
    return warnings


def _warnings_for(settings: Settings, model_id: str, today: date) -> list[str]:
    facts = facts_for(model_id)
    warnings = []
    retiring = retirement_notice(model_id, today)
    if retiring:
        warnings.append(retiring)
        if _retired(facts, today):
            return warnings  # the one thing to fix: the rest follows the model chosen instead
    if model_id == settings.model_id and not token_prices(settings).known:
        warnings.append(
            f"MODEL_ID {model_id!r} has no list price in function/models.py and PRICE_INPUT_USD_PER_MTOK "
            "and PRICE_OUTPUT_USD_PER_MTOK are not both set: the dashboard's cost line says 'price unknown'."
        )
    if facts is None and settings.effort in EFFORT_LEVELS:
        warnings.append(
            f"MODEL_ID {model_id!r} is not in the capability table (function/models.py): EFFORT="
            f"{settings.effort} is sent unchecked, and if the model has no effort control every request fails; "
            "EFFORT=auto sends none for such a model."
        )
    if facts is not None and settings.effort in EFFORT_LEVELS and settings.effort not in facts.effort_levels:
        # allowed because another model of the list offers it (Settings refuses it otherwise)
        warnings.append(
            f"EFFORT={settings.effort}: MODEL_ID {model_id!r} is {facts.name}, which does not offer it, so its "
            "requests carry no effort unless they name one it offers."
        )
    if facts is not None and facts.max_output_tokens and settings.max_tokens_cap > facts.max_output_tokens:
        warnings.append(
            f"MAX_TOKENS_CAP={settings.max_tokens_cap} is above {facts.name}'s largest answer, "
            f"{facts.max_output_tokens} tokens: Bedrock refuses a max_tokens above that (input_rejected)."
        )
    return warnings


def _price_spread(settings: Settings) -> str | None:
    """The dashboard's token metrics carry no model, so it prices every token as the default
    model's: say so when another model of the list costs differently (or its price is unknown)."""
    if None not in (settings.price_input_usd_per_mtok, settings.price_output_usd_per_mtok):
        return None  # the user chose the prices
    default = token_prices(settings)
    if not default.known:
        return None  # the default model's own warning covers the cost line
    others = []
    for model_id in settings.model_ids[1:]:
        facts = facts_for(model_id)
        if facts is None or not facts.priced:
            others.append(f"{model_id} (price unknown)")
        elif (facts.input_usd_per_mtok, facts.output_usd_per_mtok) != (
            default.input_usd_per_mtok,
            default.output_usd_per_mtok,
        ):
            others.append(f"{model_id} (${facts.input_usd_per_mtok:g} / ${facts.output_usd_per_mtok:g})")
    if not others:
        return None
    return (
        f"The dashboard's cost line prices every token at ${default.input_usd_per_mtok:g} / "
        f"${default.output_usd_per_mtok:g} per million in / out ({default.basis}), but "
        f"{', '.join(others)} cost differently: set PRICE_INPUT_USD_PER_MTOK and PRICE_OUTPUT_USD_PER_MTOK "
        "to a blend of what your callers use."
    )
