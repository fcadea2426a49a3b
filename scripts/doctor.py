"""`make doctor`: a read-only preflight of the AWS account the stack is about to be deployed to.

    .venv/bin/python -m scripts.doctor [--invoke] [--stack STACK]

Reads the same settings as synth (main.py), then asks AWS, with the caller's credentials, about
everything a first `make deploy` would otherwise find one failed apply at a time: each model, the
guardrail, the layers, the concurrency quota, API Gateway's CloudWatch role, the Terraform state
bucket and lock table. One line per check (PASS, FAIL, WARN, SKIP); each FAIL or WARN names the
setting or the console action that fixes it. Exit status: 0, 1 when a check failed, 2 for a bad
setting.

Only read-only calls, except with ``--invoke``: one Converse call with ``maxTokens: 1`` per model
(a fraction of a cent each), which also makes a third-party model's first call, the one that
subscribes the account. The README lists the IAM policy doctor needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from constructs_lib.bedrock_arns import is_inference_profile
from constructs_lib.layer_arns import public_layer_arns
from constructs_lib.settings import Settings, SettingsError
from function.models import base_model_id
from main import read_stack_settings

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"

# What Lambda keeps unreserved. The developer guide ("Configuring reserved concurrency") lets a
# function reserve "the Unreserved account concurrency value that is shown, minus 100"; accounts
# with a lower quota get a lower floor, named in PutFunctionConcurrency's error ("decreases
# account's UnreservedConcurrentExecution below its minimum value of [N]"), and 10, a new
# account's whole quota, is the floor below which no account goes (scripts/deploy_hints.py).
UNRESERVED_FLOOR = 10
UNRESERVED_DOCUMENTED = 100

CREDENTIAL_ERRORS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
}
THROTTLING_ERRORS = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
ACCESS_DENIED_ERRORS = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
NOT_FOUND_ERRORS = {"ResourceNotFoundException", "ValidationException", "NoSuchBucket", "404", "NotFound"}


@dataclass(frozen=True)
class Result:
    """One printed line: ``status`` is pass, fail, warn or skip."""

    status: str
    name: str
    message: str

    def line(self) -> str:
        return f"{self.status.upper():4}  {self.name}: {self.message}"


@dataclass
class Aws:
    """The caller's boto3 session in the stack's Region, with one client per (service, Region).

    Tests put stubbed clients in ``clients`` before a check runs; ``partition`` is filled in by
    the credentials check (it comes from the caller's ARN)."""

    session: boto3.Session
    invoke: bool = False
    partition: str = "aws"
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.session.region_name)
        if key not in self.clients:
            self.clients[key] = self.session.client(service, region_name=key[1])
        return self.clients[key]


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


# --- the checks: each takes the AWS session and the settings, and returns its Result(s) ---


def check_credentials(aws: Aws, settings: Settings) -> Result:
    identity = aws.client("sts").get_caller_identity()
    aws.partition = identity["Arn"].split(":")[1]
    return Result(
        PASS,
        "credentials",
        f"account {identity['Account']} as {identity['Arn']}, Region {settings.region} (AWS_REGION)",
    )


def _model_lifecycle(aws: Aws, settings: Settings, model_id: str, model: str) -> Result:
    """The foundation model's lifecycle, from Bedrock itself: LEGACY means it is going."""
    details = aws.client("bedrock").get_foundation_model(modelIdentifier=model)["modelDetails"]
    lifecycle = details.get("modelLifecycle", {})
    if lifecycle.get("status") == "LEGACY":
        end = lifecycle.get("endOfLifeTime") or lifecycle.get("legacyTime")
        when = f" (end of life {end:%Y-%m-%d})" if end else ""
        return Result(
            WARN,
            "model",
            f"MODEL_ID {model_id!r}: Bedrock lists {model} as LEGACY{when}: "
            "set MODEL_ID to a current model before it goes",
        )
    return Result(
        PASS, "model", f"MODEL_ID {model_id!r}: {details.get('modelName', model)} is ACTIVE in {settings.region}"
    )


def check_model(aws: Aws, settings: Settings) -> list[Result]:
    """Each model of MODEL_ID exists in the Region: an inference profile, or a foundation model."""
    return [_check_one_model(aws, settings, model_id) for model_id in settings.model_ids]


def _check_one_model(aws: Aws, settings: Settings, model_id: str) -> Result:
    model = base_model_id(model_id)
    if is_inference_profile(model_id):
        try:
            aws.client("bedrock").get_inference_profile(inferenceProfileIdentifier=model_id)
        except ClientError as error:
            if error_code(error) not in NOT_FOUND_ERRORS:
                raise
            return Result(
                FAIL,
                "model",
                f"MODEL_ID {model_id!r} is no inference profile in {settings.region}: "
                "set MODEL_ID to one `aws bedrock list-inference-profiles` lists, or AWS_REGION",
            )
    try:
        return _model_lifecycle(aws, settings, model_id, model)
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_ERRORS:
            raise
        return Result(
            FAIL,
            "model",
            f"MODEL_ID {model_id!r}: Bedrock has no foundation model {model} in "
            f"{settings.region}: set MODEL_ID (`aws bedrock list-foundation-models`) or AWS_REGION",
        )


# Bedrock's model-access page: the first call to a third-party model subscribes the account
# through AWS Marketplace, which needs aws-marketplace:Subscribe and ViewSubscriptions on the
# caller (never on the function's role), and Anthropic models need a one-time use-case form.
SUBSCRIBE_HOWTO = (
    "run `make doctor INVOKE=1` as a user allowed aws-marketplace:Subscribe (the first call subscribes "
    "the account); Anthropic models also need the one-time use-case form (Bedrock console, Model catalog)"
)


def check_model_access(aws: Aws, settings: Settings) -> list[Result]:
    """The account's access to each model of MODEL_ID (two profiles of one base model: asked once)."""
    models = dict.fromkeys(base_model_id(model_id) for model_id in settings.model_ids)
    return [_model_access(aws, settings, model) for model in models]


def _model_access(aws: Aws, settings: Settings, model: str) -> Result:
    """What Bedrock says about the account's access to the model (GetFoundationModelAvailability):
    offered in the Region, agreement (the Marketplace subscription), entitlement, authorization."""
    try:
        found = aws.client("bedrock").get_foundation_model_availability(modelId=model)
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_ERRORS:
            raise
        return Result(SKIP, "model access", f"Bedrock reports no availability for {model} (see the model check)")
    if found.get("regionAvailability") == "NOT_AVAILABLE":
        return Result(
            FAIL,
            "model access",
            f"{model} is not offered in {settings.region}: set AWS_REGION or MODEL_ID "
            "(an inference profile reaches other Regions)",
        )
    missing = [
        name
        for name, ok in (
            ("agreement", found.get("agreementAvailability", {}).get("status") == "AVAILABLE"),
            ("entitlement", found.get("entitlementAvailability") == "AVAILABLE"),
            ("authorization", found.get("authorizationStatus") == "AUTHORIZED"),
        )
        if not ok
    ]
    if missing:
        return Result(
            WARN,
            "model access",
            f"{model}: no {', '.join(missing)} yet, so the function's calls would fail "
            f"(model_misconfigured): {SUBSCRIBE_HOWTO}",
        )
    return Result(PASS, "model access", f"{model}: agreement, entitlement and authorization in place")


def check_invoke(aws: Aws, settings: Settings) -> list[Result]:
    """``--invoke``: one real Converse call with maxTokens 1 per model, the surest answer to "may we
    call it" (without the guardrail, which check_guardrail looks up: no ApplyGuardrail needed)."""
    if not aws.invoke:
        return [
            Result(
                SKIP,
                "invoke",
                "not asked: `make doctor INVOKE=1` makes one Converse call with maxTokens 1 "
                "per model of MODEL_ID (costs a fraction of a cent each)",
            )
        ]
    return [_invoke(aws, settings, model_id) for model_id in settings.model_ids]


def _invoke(aws: Aws, settings: Settings, model_id: str) -> Result:
    try:
        answer = aws.client("bedrock-runtime").converse(
            modelId=model_id,
            messages=[{"role": "user", "content": [{"text": "Say OK."}]}],
            inferenceConfig={"maxTokens": 1},
        )
    except ClientError as error:
        if error_code(error) not in ACCESS_DENIED_ERRORS:
            raise
        return Result(
            FAIL,
            "invoke",
            f"MODEL_ID {model_id!r}: AccessDenied ({error.response['Error'].get('Message', '')}): {SUBSCRIBE_HOWTO}",
        )
    return Result(
        PASS,
        "invoke",
        f"{model_id} answered one Converse call (stop reason "
        f"{answer.get('stopReason')}; maxTokens 1, a fraction of a cent)",
    )


def _layer_result(aws: Aws, settings: Settings, setting: str, arn: str) -> Result:
    name = f"layer {setting}"
    parts = arn.split(":")
    if parts[3] != settings.region:
        return Result(
            FAIL,
            name,
            f"{arn} is in {parts[3]}, the stack in {settings.region}: Lambda takes layers of its own "
            f"Region only: set {setting} to a version in {settings.region}",
        )
    try:
        # GetLayerVersion with the layer's ARN: the same answer and IAM action
        # (lambda:GetLayerVersion) as GetLayerVersionByArn.
        aws.client("lambda").get_layer_version(LayerName=arn.rsplit(":", 1)[0], VersionNumber=int(parts[-1]))
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_ERRORS | ACCESS_DENIED_ERRORS:
            raise
        # A layer of another account answers AccessDenied both when it does not exist and when
        # its owner does not share it; AWS's message (kept) tells these from doctor's own policy.
        said = error.response.get("Error", {}).get("Message", "")
        return Result(
            FAIL,
            name,
            f"{arn} cannot be read in {settings.region} ({error_code(error)}: {said}): set {setting} "
            "to a layer version that exists there and this account may use",
        )
    return Result(PASS, name, f"{arn} exists")


def check_layers(aws: Aws, settings: Settings) -> list[Result]:
    """Every layer the stack names resolves in the Region (constructs_lib/layer_arns.py)."""
    results = [
        _layer_result(aws, settings, setting, arn)
        for setting, arn in public_layer_arns(settings, aws.partition).items()
    ]
    results.append(
        Result(SKIP, "layer packages", "the stack's own layer is built by `make layer` and created by the deploy")
    )
    return results


def check_concurrency(aws: Aws, settings: Settings) -> Result:
    """The reservation fits the account's quota and leaves Lambda's unreserved minimum."""
    wanted = settings.reserved_concurrency_limit
    if wanted is None:
        return Result(SKIP, "concurrency", "RESERVED_CONCURRENCY=off: nothing to reserve")
    limits = aws.client("lambda").get_account_settings()["AccountLimit"]
    unreserved = limits["UnreservedConcurrentExecutions"]
    try:  # a redeploy: the function's current reservation comes back to the pool first
        held = aws.client("lambda").get_function_concurrency(FunctionName=settings.resource_name)
        unreserved += held.get("ReservedConcurrentExecutions", 0)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
    left = unreserved - wanted
    total = limits["ConcurrentExecutions"]
    if left < UNRESERVED_FLOOR:
        room = unreserved - UNRESERVED_FLOOR
        fix = f"set RESERVED_CONCURRENCY to {room} or less" if room > 0 else "set RESERVED_CONCURRENCY=off"
        return Result(
            FAIL,
            "concurrency",
            f"RESERVED_CONCURRENCY={wanted} does not fit the {unreserved} unreserved of the "
            f"account's {total}, which must keep {UNRESERVED_FLOOR}: {fix}, or ask for a higher quota "
            "(Service Quotas: Lambda, Concurrent executions)",
        )
    if left < UNRESERVED_DOCUMENTED:
        return Result(
            WARN,
            "concurrency",
            f"RESERVED_CONCURRENCY={wanted} would leave {left} of the account's {total} "
            f"unreserved; Lambda's guide asks for {UNRESERVED_DOCUMENTED}, so the deploy "
            "may be refused: lower RESERVED_CONCURRENCY, or set it to off",
        )
    return Result(PASS, "concurrency", f"RESERVED_CONCURRENCY={wanted} leaves {left} of {total} unreserved")


def check_api_gateway_role(aws: Aws, settings: Settings) -> Result:
    """API Gateway's one CloudWatch role per account and Region, against API_GATEWAY_ACCOUNT_ROLE."""
    current = aws.client("apigateway").get_account().get("cloudwatchRoleArn", "")
    ours = f"{settings.resource_name}-apigw-logs"  # the role's name in constructs_lib/stack.py
    if not settings.api_gateway_account_role:
        if current:
            return Result(PASS, "api gateway role", f"API_GATEWAY_ACCOUNT_ROLE=false and the account has {current}")
        return Result(
            FAIL,
            "api gateway role",
            f"API_GATEWAY_ACCOUNT_ROLE=false but {settings.region} has no API Gateway "
            "CloudWatch role, and stage logging needs one: set API_GATEWAY_ACCOUNT_ROLE=true",
        )
    if current and not current.endswith(f":role/{ours}"):
        return Result(
            WARN,
            "api gateway role",
            f"{settings.region} already uses {current}; the deploy replaces it for every "
            "REST API there: set API_GATEWAY_ACCOUNT_ROLE=false to keep it",
        )
    return Result(PASS, "api gateway role", f"the stack sets the Region's CloudWatch role ({ours})")


def check_state_bucket(aws: Aws, settings: Settings) -> Result:
    """The S3 backend's bucket: exists, in the expected Region, versioned, not public."""
    bucket = settings.state_bucket
    if not bucket:
        return Result(SKIP, "state bucket", "STATE_BUCKET unset: Terraform keeps a local state file")
    expected = settings.state_region or settings.region
    s3 = aws.client("s3", expected)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error_code(error) in NOT_FOUND_ERRORS:
            return Result(
                FAIL,
                "state bucket",
                f"STATE_BUCKET {bucket!r} does not exist: create it (versioned, "
                "public access blocked) or fix STATE_BUCKET",
            )
        if error_code(error) == "403":  # HeadBucket has no body: a bare status for "not yours"
            return Result(
                FAIL,
                "state bucket",
                f"STATE_BUCKET {bucket!r} exists but this account may not read it "
                "(another account's bucket, or no s3:ListBucket): fix STATE_BUCKET",
            )
        raise
    region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    if region != expected:
        return Result(
            FAIL, "state bucket", f"STATE_BUCKET {bucket!r} is in {region}, not {expected}: set STATE_REGION={region}"
        )
    problems = []
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        problems.append("versioning is off (a bad apply cannot be undone)")
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        blocked = all(
            block.get(key)
            for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        )
    except ClientError as error:
        if error_code(error) != "NoSuchPublicAccessBlockConfiguration":
            raise
        blocked = False
    if not blocked:
        problems.append("public access is not fully blocked")
    if problems:
        return Result(
            WARN,
            "state bucket",
            f"STATE_BUCKET {bucket!r}: {'; '.join(problems)}: fix it in the S3 console "
            "(Properties: Bucket Versioning; Permissions: Block public access)",
        )
    return Result(PASS, "state bucket", f"STATE_BUCKET {bucket!r} in {region}, versioned, public access blocked")


def check_lock_table(aws: Aws, settings: Settings) -> Result:
    """The DynamoDB lock table Terraform's S3 backend needs: partition key LockID, a string."""
    table = settings.state_lock_table
    if not table:
        return Result(SKIP, "lock table", "STATE_LOCK_TABLE unset: the S3 lock file (or local state) locks")
    try:
        described = aws.client("dynamodb", settings.state_region or settings.region).describe_table(TableName=table)[
            "Table"
        ]
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return Result(
            FAIL,
            "lock table",
            f"STATE_LOCK_TABLE {table!r} does not exist: create it with partition key "
            "LockID (String) or unset STATE_LOCK_TABLE",
        )
    hash_key = next((key["AttributeName"] for key in described["KeySchema"] if key["KeyType"] == "HASH"), None)
    types = {item["AttributeName"]: item["AttributeType"] for item in described["AttributeDefinitions"]}
    if hash_key != "LockID" or types.get("LockID") != "S":
        return Result(
            FAIL,
            "lock table",
            f"STATE_LOCK_TABLE {table!r} has partition key {hash_key!r}; Terraform needs "
            "LockID (String): point STATE_LOCK_TABLE at such a table",
        )
    return Result(PASS, "lock table", f"STATE_LOCK_TABLE {table!r} has partition key LockID (String)")


def check_guardrail(aws: Aws, settings: Settings) -> Result:
    """GUARDRAIL_ID at GUARDRAIL_VERSION exists in the Region and is ready (GetGuardrail): the
    function names it on every call, and Bedrock refuses every call if it is not there."""
    if not settings.guardrail_id:
        return Result(SKIP, "guardrail", "GUARDRAIL_ID unset: calls are not screened by a guardrail")
    named = f"GUARDRAIL_ID {settings.guardrail_id!r} version {settings.guardrail_version}"
    try:
        found = aws.client("bedrock").get_guardrail(
            guardrailIdentifier=settings.guardrail_id, guardrailVersion=settings.guardrail_version
        )
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_ERRORS:
            raise
        return Result(
            FAIL,
            "guardrail",
            f"{named}: Bedrock has no such guardrail in {settings.region} "
            "(every call would fail): set GUARDRAIL_ID and GUARDRAIL_VERSION to one "
            "`aws bedrock list-guardrails` lists",
        )
    status = found.get("status")
    if status != "READY":
        return Result(
            WARN,
            "guardrail",
            f"{named} ({found.get('name')}) is {status}, not READY: calls fail until it "
            "is (Bedrock console, Guardrails)",
        )
    draft = (
        ": DRAFT is the working copy, and changes whenever the guardrail is edited; a version number pins it"
        if settings.guardrail_version == "DRAFT"
        else ""
    )
    return Result(PASS, "guardrail", f"{named} ({found.get('name')}) is READY{draft}")


def check_alarm_email(aws: Aws, settings: Settings) -> Result:
    if not settings.alarm_email:
        return Result(SKIP, "alarm email", "ALARM_EMAIL unset: alarms change state but notify no one")
    return Result(
        WARN,
        "alarm email",
        f"after the deploy, confirm the SNS subscription mail sent to {settings.alarm_email}: "
        "alarms reach ALARM_EMAIL only once it is confirmed",
    )


Check = Callable[[Aws, Settings], "Result | list[Result]"]
CHECKS: tuple[Check, ...] = (
    check_model,
    check_model_access,
    check_invoke,
    check_layers,
    check_concurrency,
    check_api_gateway_role,
    check_state_bucket,
    check_lock_table,
    check_guardrail,
    check_alarm_email,
)


def failed_call(name: str, settings: Settings, error: Exception) -> Result:
    """A clear line, never a trace, for what went wrong with doctor's own call."""
    if isinstance(error, NoCredentialsError):
        return Result(FAIL, name, "no AWS credentials: set AWS_PROFILE, or run `aws configure` / `aws sso login`")
    if isinstance(error, EndpointConnectionError):
        return Result(
            FAIL,
            name,
            f"no endpoint answered ({error.kwargs.get('endpoint_url')}): the service may not be "
            f"offered in {settings.region}: set AWS_REGION",
        )
    if isinstance(error, ClientError):
        code = error_code(error)
        operation = error.operation_name
        if code in CREDENTIAL_ERRORS:
            return Result(
                FAIL, name, f"AWS rejected the credentials ({code}): refresh them (`aws sso login`) or set AWS_PROFILE"
            )
        if code in THROTTLING_ERRORS:
            return Result(WARN, name, f"AWS throttled doctor's {operation} call: run `make doctor` again in a minute")
        if code in ACCESS_DENIED_ERRORS:
            return Result(
                WARN, name, f"doctor may not call {operation} ({code}): attach the README's doctor policy to check this"
            )
        return Result(FAIL, name, f"{operation} failed: {code}: {error.response.get('Error', {}).get('Message', '')}")
    return Result(FAIL, name, f"unexpected {type(error).__name__}: {error}")


def run_checks(aws: Aws, settings: Settings, checks: Iterable[Check] = CHECKS) -> list[Result]:
    """The credentials first (without them every other check is skipped), then each check."""
    try:
        results = [check_credentials(aws, settings)]
    except (BotoCoreError, ClientError) as error:
        return [
            failed_call("credentials", settings, error),
            Result(SKIP, "the rest", "nothing else can be checked without credentials"),
        ]
    for check in checks:
        try:
            found = check(aws, settings)
        except Exception as error:  # noqa: BLE001 - a preflight reports each problem as a line, never a trace
            found = failed_call(check.__name__.removeprefix("check_").replace("_", " "), settings, error)
        results.extend(found if isinstance(found, list) else [found])
    return results


def session_aws(settings: Settings, invoke: bool) -> Aws:
    """The caller's default credentials (AWS_PROFILE, environment, SSO ...) in the stack's Region."""
    return Aws(boto3.Session(region_name=settings.region), invoke=invoke)


def main(argv: list[str] | None = None, make_aws: Callable[[Settings, bool], Aws] = session_aws) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--invoke",
        action="store_true",
        help="also make one Converse call with maxTokens 1 (costs a fraction of a cent)",
    )
    parser.add_argument("--stack", help="check this stack only (with ENVIRONMENTS set; default: every stack)")
    args = parser.parse_args(argv)
    try:
        stacks = read_stack_settings()
        if args.stack and args.stack not in stacks:
            raise SettingsError(f"invalid setting STACK = {args.stack!r}: the stacks are {', '.join(stacks)}")
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.stack:
        stacks = {args.stack: stacks[args.stack]}
    failed = False
    for stack_id, settings in stacks.items():
        print(f"{stack_id} ({settings.region}):")
        for result in run_checks(make_aws(settings, args.invoke), settings, CHECKS):
            print(f"  {result.line()}")
            failed |= result.status == FAIL
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
