"""API Gateway's Lambda REQUEST authorizer: lets callers send their API key as
``Authorization: Bearer <key>`` (what OpenAI clients send) as well as ``x-api-key``.

The authorizer does not know the keys. It only finds the one the caller presented and hands it
back as ``usageIdentifierKey``; the REST API's API key source is ``AUTHORIZER``, so API Gateway
then checks that key against the usage plan itself (a key it does not know is 403
``INVALID_API_KEY``) and applies that key's throttle and quota (API Gateway developer guide,
"Choose an API key source in API Gateway" and "Output from an API Gateway Lambda authorizer").

A request that presents no key is denied here. A Deny, not the ``Unauthorized`` exception: a
raised exception is a function error in Lambda's metrics, and anyone probing the endpoint would
trip the authorizer's error alarm. The REST API turns this Deny (gateway response
``ACCESS_DENIED``) into a 401 (constructs_lib/openapi.py).

Runs on Lambda's Python 3.13 and on 3.11/3.12 (the tests); standard library only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# "The value is an alphanumeric string between 20 and 128 characters" (API Gateway developer
# guide, "Usage plans and API keys for REST APIs"): anything else cannot be a key.
API_KEY = re.compile(r"[A-Za-z0-9]{20,128}")
BEARER = re.compile(r"bearer[ \t]+(\S+)[ \t]*", re.IGNORECASE)  # RFC 6750 2.1; the scheme is case-insensitive
PRINCIPAL = "api-key"  # never the key itself: API Gateway logs the principal

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def presented_key(headers: Mapping[str, str] | None) -> tuple[str | None, str]:
    """The key the caller presented, or None and why not (for the log; never the value).

    ``x-api-key`` wins when both are sent: it is this API's own header, while ``Authorization``
    may carry something else entirely (a proxy's credentials). ``Authorization`` counts only as
    ``Bearer <key>``.
    """
    by_name = {name.lower(): value for name, value in (headers or {}).items() if isinstance(value, str)}
    if "x-api-key" in by_name:
        found, source = by_name["x-api-key"].strip(), "x-api-key"
    elif "authorization" in by_name:
        match = BEARER.fullmatch(by_name["authorization"].strip())
        if match is None:
            return None, "the Authorization header is not 'Bearer <key>'"
        found, source = match.group(1), "Authorization: Bearer"
    else:
        return None, "neither an x-api-key header nor Authorization: Bearer"
    if not API_KEY.fullmatch(found):
        return None, f"the {source} value is not an API key (20-128 letters and digits)"
    return found, source


def policy(effect: str, method_arn: str) -> dict[str, Any]:
    """An IAM policy for exactly the method called: caching is off, so nothing else reuses it."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
    }


def answer(key: str | None, method_arn: str) -> dict[str, Any]:
    """The authorizer's output: Allow with the key as ``usageIdentifierKey``, or Deny without one."""
    if key is None:
        return {"principalId": PRINCIPAL, "policyDocument": policy("Deny", method_arn)}
    return {"principalId": PRINCIPAL, "policyDocument": policy("Allow", method_arn), "usageIdentifierKey": key}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Lambda's entry point (``api_keys.handler``): one REQUEST event in, the answer out."""
    key, reason = presented_key(event.get("headers"))
    if key is None:
        logger.info("refused: %s", reason)
    return answer(key, event.get("methodArn", ""))
