"""Shape the API Gateway proxy responses: the 200 answer, the error answer, the CORS preflight.

Pure functions of their arguments. Every answer is JSON with a ``request_id`` the caller can
quote to find the request in the logs. (Not ``responses.py``: with function/ on sys.path in
tests, that name would shadow the ``responses`` package that moto imports.)
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

from errors import ApiError


class Usage(TypedDict):
    input_tokens: int
    output_tokens: int


class Answer(TypedDict):
    completion: str
    model: str
    stop_reason: str
    usage: Usage
    request_id: str


def success(answer: Answer, cors_origin: str) -> dict[str, Any]:
    return _response(200, dict(answer), cors_origin)


def failure(error: ApiError, request_id: str, cors_origin: str) -> dict[str, Any]:
    body = {"error": {"code": error.code, "message": error.message}, "request_id": request_id}
    extra = {}
    if error.spec.retry_after is not None:
        extra["Retry-After"] = str(error.spec.retry_after)
    if error.code == "method_not_allowed":
        extra["Allow"] = "POST, OPTIONS" if cors_origin else "POST"
    return _response(error.status, body, cors_origin, extra)


def preflight(cors_origin: str) -> dict[str, Any]:
    headers = _cors(cors_origin)
    headers.update({
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        # The API key (x-api-key) or SigV4 headers (AUTH=iam) ride on the POST too.
        "Access-Control-Allow-Headers": "Content-Type, X-Api-Key, Authorization, X-Amz-Date, X-Amz-Security-Token",
        "Access-Control-Max-Age": "600",
    })
    return {"statusCode": 204, "headers": headers, "body": ""}


def _response(status: int, body: dict[str, Any], cors_origin: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **_cors(cors_origin), **(extra or {})}
    return {"statusCode": status, "headers": headers, "body": _dumps(body), "isBase64Encoded": False}


def _cors(origin: str) -> dict[str, str]:
    if not origin:
        return {}
    headers = {"Access-Control-Allow-Origin": origin}
    if origin != "*":
        headers["Vary"] = "Origin"  # caches must not serve this origin's answer to another
    return headers


def _dumps(body: dict[str, Any]) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed back: escape it rather than fail
        text = json.dumps(body, separators=(",", ":"))
    return text
