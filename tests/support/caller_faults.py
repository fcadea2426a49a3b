"""Bedrock ValidationException messages that are the caller's fault, one per marker.

Each message holds its marker from bedrock.CALLER_FAULT_MARKERS and no other, so removing any
marker fails its own test: through the app (tests/app/test_app_bedrock_errors.py) and in
bedrock's error mapping alone (tests/app/test_bedrock.py).
"""

CALLER_FAULTS = {
    "too long": "Input is too long for requested model.",
    "too many": "The request has too many images.",
    "context window": "The prompt does not fit the model's context window.",
    "context length": "prompt length is greater than the context length of this model",
    "exceed": "The maximum tokens you requested exceeds the model limit of 4096",
    "max_tokens": "max_tokens: 100000 > 64000, which is the largest allowed value",
    "maxtokens": "maxTokens must be at most 64000",
    "temperature": "temperature: range: 0..1",
    "top_p": "top_p must be a number from 0 to 1",
    "topp": "topP is not valid for this model",
    "stop sequence": "A stop sequence must not be empty",
    "stop_sequence": "stop_sequences: each must be a non-empty string",
    "stopsequence": "stopSequences holds too few entries",
    "alternate": "A conversation must alternate between user and assistant roles.",
    "not support": "This model does not support system prompts.",
    "n't support": "This model doesn't support tool use.",
}
