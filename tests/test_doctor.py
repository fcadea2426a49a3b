"""`make doctor` (scripts/doctor.py): each check, passing and failing, against moto where moto
implements the call (STS, Lambda layers, API Gateway's account, S3, DynamoDB) and botocore's
Stubber (which checks every request and response against the real service model) for the rest:
Bedrock's control plane, Converse, and Lambda's account settings (moto 5.2.5 has no
GetAccountSettings). Nothing here reaches AWS: moto intercepts every request, and a stubbed
client refuses any call it was not told to expect.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws

from constructs_lib.settings import load_settings
from scripts import doctor

REGION = "us-east-1"
PROFILE = "us.anthropic.claude-sonnet-5"
BASE = "anthropic.claude-sonnet-5"
PROFILE_ARN = f"arn:aws:bedrock:{REGION}:123456789012:inference-profile/{PROFILE}"
MODEL_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/{BASE}"


@pytest.fixture
def aws(monkeypatch):
    """An Aws over moto, with fake credentials that open nothing anywhere."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield doctor.Aws(boto3.Session(region_name=REGION))


def settings(**environ: str):
    return load_settings({}, environ)


def stubbed(aws: doctor.Aws, service: str) -> Stubber:
    stubber = Stubber(aws.client(service))
    stubber.activate()
    return stubber


def error(code: str, message: str = "", status: int = 400) -> dict:
    return {"service_error_code": code, "service_message": message, "http_status_code": status}


def one(results: list[doctor.Result], name: str) -> doctor.Result:
    [found] = [result for result in results if result.name == name]
    return found


# --- credentials ---


def test_credentials_pass_names_the_account_and_region(aws):
    result = doctor.check_credentials(aws, settings())
    assert result.status == doctor.PASS
    assert "account 123456789012" in result.message and "AWS_REGION" in result.message
    assert aws.partition == "aws"


def test_no_credentials_is_one_line_and_skips_the_rest(aws, monkeypatch, tmp_path):
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    results = doctor.run_checks(doctor.Aws(boto3.Session(region_name=REGION)), settings())
    assert [result.status for result in results] == [doctor.FAIL, doctor.SKIP]
    assert "no AWS credentials" in results[0].message and "AWS_PROFILE" in results[0].message


def test_rejected_credentials_say_to_refresh_them(aws):
    stubbed(aws, "sts").add_client_error("get_caller_identity", **error("ExpiredToken", "expired", 403))
    [result, _] = doctor.run_checks(aws, settings())
    assert result.status == doctor.FAIL
    assert "rejected the credentials (ExpiredToken)" in result.message and "aws sso login" in result.message


# --- the model ---


def lifecycle(status: str, **times: datetime) -> dict:
    return {
        "modelDetails": {
            "modelArn": MODEL_ARN,
            "modelId": BASE,
            "modelName": "Claude Sonnet 5",
            "providerName": "Anthropic",
            "modelLifecycle": {"status": status, **times},
        }
    }


def profile() -> dict:
    return {
        "inferenceProfileName": "US Claude Sonnet 5",
        "inferenceProfileArn": PROFILE_ARN,
        "inferenceProfileId": PROFILE,
        "models": [{"modelArn": MODEL_ARN}],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }


def test_model_pass_for_an_active_inference_profile(aws):
    bedrock = stubbed(aws, "bedrock")
    bedrock.add_response("get_inference_profile", profile(), {"inferenceProfileIdentifier": PROFILE})
    bedrock.add_response("get_foundation_model", lifecycle("ACTIVE"), {"modelIdentifier": BASE})
    [result] = doctor.check_model(aws, settings(MODEL_ID=PROFILE))
    assert (result.status, result.name) == (doctor.PASS, "model")
    assert "ACTIVE" in result.message
    bedrock.assert_no_pending_responses()


def test_model_legacy_warns_with_bedrocks_date(aws):
    bedrock = stubbed(aws, "bedrock")
    bedrock.add_response(
        "get_foundation_model",
        lifecycle(
            "LEGACY",
            legacyTime=datetime(2026, 6, 1, tzinfo=UTC),
            endOfLifeTime=datetime(2027, 1, 15, tzinfo=UTC),
        ),
    )
    [result] = doctor.check_model(aws, settings(MODEL_ID=BASE))
    assert result.status == doctor.WARN
    assert "LEGACY (end of life 2027-01-15)" in result.message and "set MODEL_ID" in result.message


def test_model_unknown_profile_fails_naming_model_id(aws):
    stubbed(aws, "bedrock").add_client_error(
        "get_inference_profile", **error("ResourceNotFoundException", "no such profile", 404)
    )
    [result] = doctor.check_model(aws, settings(MODEL_ID="us.anthropic.claude-nope"))
    assert result.status == doctor.FAIL
    assert "no inference profile in us-east-1" in result.message and "set MODEL_ID" in result.message


def test_model_unknown_foundation_model_fails_naming_model_id(aws):
    stubbed(aws, "bedrock").add_client_error("get_foundation_model", **error("ResourceNotFoundException", "", 404))
    [result] = doctor.check_model(aws, settings(MODEL_ID="anthropic.claude-nope"))
    assert result.status == doctor.FAIL
    assert "no foundation model anthropic.claude-nope" in result.message and "set MODEL_ID" in result.message


def availability(agreement: str = "AVAILABLE", authorization: str = "AUTHORIZED", region: str = "AVAILABLE") -> dict:
    return {
        "modelId": BASE,
        "agreementAvailability": {"status": agreement},
        "authorizationStatus": authorization,
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": region,
    }


def test_model_access_pass(aws):
    stubbed(aws, "bedrock").add_response("get_foundation_model_availability", availability(), {"modelId": BASE})
    assert [result.status for result in doctor.check_model_access(aws, settings())] == [doctor.PASS]


def test_model_access_without_agreement_says_how_to_subscribe(aws):
    stubbed(aws, "bedrock").add_response("get_foundation_model_availability", availability(agreement="NOT_AVAILABLE"))
    [result] = doctor.check_model_access(aws, settings())
    assert result.status == doctor.WARN
    assert "no agreement yet" in result.message
    assert "make doctor INVOKE=1" in result.message and "use-case form" in result.message


def test_model_access_not_offered_in_region_fails_naming_aws_region(aws):
    stubbed(aws, "bedrock").add_response("get_foundation_model_availability", availability(region="NOT_AVAILABLE"))
    [result] = doctor.check_model_access(aws, settings())
    assert result.status == doctor.FAIL and "set AWS_REGION or MODEL_ID" in result.message


def test_invoke_is_skipped_unless_asked_and_says_its_cost(aws):
    [result] = doctor.check_invoke(aws, settings())
    assert result.status == doctor.SKIP and "fraction of a cent" in result.message


def test_invoke_makes_one_call_of_one_token(aws):
    aws.invoke = True
    stubbed(aws, "bedrock-runtime").add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
            "stopReason": "max_tokens",
            "usage": {"inputTokens": 10, "outputTokens": 1, "totalTokens": 11},
            "metrics": {"latencyMs": 300},
        },
        {
            "modelId": PROFILE,
            "messages": [{"role": "user", "content": [{"text": "Say OK."}]}],
            "inferenceConfig": {"maxTokens": 1},
        },
    )
    [result] = doctor.check_invoke(aws, settings(MODEL_ID=PROFILE))
    assert result.status == doctor.PASS and "maxTokens 1" in result.message


def test_invoke_access_denied_explains_marketplace_and_the_use_case_form(aws):
    aws.invoke = True
    stubbed(aws, "bedrock-runtime").add_client_error(
        "converse", **error("AccessDeniedException", "You don't have access to the model", 403)
    )
    [result] = doctor.check_invoke(aws, settings())
    assert result.status == doctor.FAIL
    assert (
        "MODEL_ID" in result.message
        and "aws-marketplace:Subscribe" in result.message
        and "use-case form" in result.message
    )


# --- layers (moto knows only the layers of its own account: publish them) ---


def publish(aws: doctor.Aws, name: str) -> str:
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("python/x.py", "")
    return aws.client("lambda").publish_layer_version(LayerName=name, Content={"ZipFile": content.getvalue()})[
        "LayerVersionArn"
    ]


def test_layers_pass_when_each_resolves_and_the_stacks_own_is_skipped(aws):
    adapter, powertools = publish(aws, "adapter"), publish(aws, "powertools")
    results = doctor.check_layers(aws, settings(WEB_ADAPTER_LAYER_ARN=adapter, POWERTOOLS_LAYER_ARN=powertools))
    assert [(r.name, r.status) for r in results] == [
        ("layer WEB_ADAPTER_LAYER_ARN", doctor.PASS),
        ("layer POWERTOOLS_LAYER_ARN", doctor.PASS),
        ("layer packages", doctor.SKIP),
    ]


def test_layer_that_does_not_exist_fails_naming_its_setting(aws):
    powertools = publish(aws, "powertools")
    missing = powertools.replace(":powertools:1", ":adapter:7")
    results = doctor.check_layers(aws, settings(WEB_ADAPTER_LAYER_ARN=missing, POWERTOOLS_LAYER_ARN=powertools))
    result = one(results, "layer WEB_ADAPTER_LAYER_ARN")
    assert result.status == doctor.FAIL and "set WEB_ADAPTER_LAYER_ARN" in result.message
    assert one(results, "layer POWERTOOLS_LAYER_ARN").status == doctor.PASS


def test_layer_of_another_region_fails_naming_its_setting(aws):
    other = "arn:aws:lambda:eu-west-1:123456789012:layer:powertools:1"
    result = one(doctor.check_layers(aws, settings(POWERTOOLS_LAYER_ARN=other)), "layer POWERTOOLS_LAYER_ARN")
    assert result.status == doctor.FAIL and "set POWERTOOLS_LAYER_ARN to a version in us-east-1" in result.message


def test_default_layers_are_the_stacks_own(aws):
    """With no layer setting, doctor asks about the AWS-published layers the stack names."""
    results = doctor.check_layers(aws, settings())  # moto does not hold AWS's accounts' layers
    assert ":753240598075:layer:LambdaAdapterLayerArm64:" in one(results, "layer WEB_ADAPTER_LAYER_ARN").message
    assert ":017000801446:layer:AWSLambdaPowertoolsPythonV3-" in one(results, "layer POWERTOOLS_LAYER_ARN").message


# --- reserved concurrency (Stubber: moto has no GetAccountSettings) ---


def account_limits(aws: doctor.Aws, total: int, unreserved: int, held: int | None = None) -> Stubber:
    stubber = stubbed(aws, "lambda")
    stubber.add_response(
        "get_account_settings",
        {"AccountLimit": {"ConcurrentExecutions": total, "UnreservedConcurrentExecutions": unreserved}},
    )
    if held is None:
        stubber.add_client_error("get_function_concurrency", **error("ResourceNotFoundException", "", 404))
    else:
        stubber.add_response(
            "get_function_concurrency", {"ReservedConcurrentExecutions": held}, {"FunctionName": "bedrock-api-dev"}
        )
    return stubber


def test_concurrency_pass_on_a_default_quota(aws):
    account_limits(aws, 1000, 1000)
    result = doctor.check_concurrency(aws, settings())
    assert result.status == doctor.PASS and "leaves 970 of 1000" in result.message


def test_concurrency_counts_the_functions_own_reservation_back(aws):
    account_limits(aws, 150, 120, held=30)
    assert doctor.check_concurrency(aws, settings()).status == doctor.PASS  # 120 + 30 - 30 = 120 left


def test_concurrency_fails_on_a_new_accounts_quota_of_ten(aws):
    account_limits(aws, 10, 10)
    result = doctor.check_concurrency(aws, settings())
    assert result.status == doctor.FAIL and "set RESERVED_CONCURRENCY=off" in result.message


def test_concurrency_fail_names_the_largest_reservation_that_fits(aws):
    account_limits(aws, 50, 50)
    result = doctor.check_concurrency(aws, settings(RESERVED_CONCURRENCY="45"))
    assert result.status == doctor.FAIL and "set RESERVED_CONCURRENCY to 40 or less" in result.message


def test_concurrency_warns_below_the_documented_hundred(aws):
    account_limits(aws, 100, 100)
    result = doctor.check_concurrency(aws, settings())
    assert result.status == doctor.WARN and "RESERVED_CONCURRENCY" in result.message


def test_concurrency_off_is_skipped(aws):
    assert doctor.check_concurrency(aws, settings(RESERVED_CONCURRENCY="off")).status == doctor.SKIP


# --- API Gateway's CloudWatch role ---


def set_account_role(aws: doctor.Aws, role_arn: str) -> None:
    aws.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
    )


def test_api_gateway_role_pass_when_the_region_has_none(aws):
    assert doctor.check_api_gateway_role(aws, settings()).status == doctor.PASS


def test_api_gateway_role_pass_when_it_is_the_stacks_own(aws):
    set_account_role(aws, "arn:aws:iam::123456789012:role/bedrock-api-dev-apigw-logs")
    assert doctor.check_api_gateway_role(aws, settings()).status == doctor.PASS


def test_api_gateway_role_warns_before_replacing_someone_elses(aws):
    set_account_role(aws, "arn:aws:iam::123456789012:role/platform-apigw")
    result = doctor.check_api_gateway_role(aws, settings())
    assert result.status == doctor.WARN
    assert "role/platform-apigw" in result.message and "set API_GATEWAY_ACCOUNT_ROLE=false" in result.message


def test_api_gateway_role_off_without_a_role_fails(aws):
    result = doctor.check_api_gateway_role(aws, settings(API_GATEWAY_ACCOUNT_ROLE="false"))
    assert result.status == doctor.FAIL and "set API_GATEWAY_ACCOUNT_ROLE=true" in result.message


# --- Terraform state: the bucket and the lock table ---


def make_bucket(
    aws: doctor.Aws, name: str, *, region: str = REGION, versioned: bool = True, private: bool = True
) -> None:
    s3 = aws.client("s3", region)
    s3.create_bucket(
        Bucket=name, **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}})
    )
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if private:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )


def test_state_bucket_unset_is_skipped(aws):
    assert doctor.check_state_bucket(aws, settings()).status == doctor.SKIP


def test_state_bucket_pass(aws):
    make_bucket(aws, "tf-state")
    assert doctor.check_state_bucket(aws, settings(STATE_BUCKET="tf-state")).status == doctor.PASS


def test_state_bucket_missing_fails_naming_state_bucket(aws):
    result = doctor.check_state_bucket(aws, settings(STATE_BUCKET="tf-nowhere"))
    assert result.status == doctor.FAIL and "fix STATE_BUCKET" in result.message


def test_state_bucket_of_another_account_fails_naming_state_bucket(aws):
    stubbed(aws, "s3").add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    result = doctor.check_state_bucket(aws, settings(STATE_BUCKET="someone-elses"))
    assert result.status == doctor.FAIL and "may not read it" in result.message and "fix STATE_BUCKET" in result.message


def test_state_bucket_in_another_region_fails_naming_state_region(aws):
    make_bucket(aws, "tf-state-eu", region="eu-west-1")
    result = doctor.check_state_bucket(aws, settings(STATE_BUCKET="tf-state-eu"))
    assert result.status == doctor.FAIL and "set STATE_REGION=eu-west-1" in result.message


def test_state_bucket_unversioned_and_public_warns(aws):
    make_bucket(aws, "tf-state", versioned=False, private=False)
    result = doctor.check_state_bucket(aws, settings(STATE_BUCKET="tf-state"))
    assert result.status == doctor.WARN
    assert "versioning is off" in result.message and "public access is not fully blocked" in result.message


def make_table(aws: doctor.Aws, name: str, key: str) -> None:
    aws.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
    )


def test_lock_table_pass(aws):
    make_table(aws, "tf-locks", "LockID")
    assert doctor.check_lock_table(aws, settings(STATE_BUCKET="b-1", STATE_LOCK_TABLE="tf-locks")).status == doctor.PASS


def test_lock_table_with_another_key_fails(aws):
    make_table(aws, "tf-locks", "id")
    result = doctor.check_lock_table(aws, settings(STATE_LOCK_TABLE="tf-locks"))
    assert result.status == doctor.FAIL and "LockID (String)" in result.message and "STATE_LOCK_TABLE" in result.message


def test_lock_table_missing_fails(aws):
    result = doctor.check_lock_table(aws, settings(STATE_LOCK_TABLE="tf-nowhere"))
    assert result.status == doctor.FAIL and "unset STATE_LOCK_TABLE" in result.message


# --- reminders ---


def test_alarm_email_reminds_to_confirm_the_subscription(aws):
    result = doctor.check_alarm_email(aws, settings(ALARM_EMAIL="oncall@example.com"))
    assert result.status == doctor.WARN and "confirm" in result.message and "oncall@example.com" in result.message
    assert doctor.check_alarm_email(aws, settings()).status == doctor.SKIP


# --- the guardrail (moto 5.2.5 has no GetGuardrail: Stubber) ---

GUARDRAIL = "gr4abc"


def guardrail(status: str = "READY", version: str = "3") -> dict:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    return {
        "name": "no-secrets",
        "guardrailId": GUARDRAIL,
        "version": version,
        "status": status,
        "guardrailArn": f"arn:aws:bedrock:{REGION}:123456789012:guardrail/{GUARDRAIL}",
        "createdAt": now,
        "updatedAt": now,
        "blockedInputMessaging": "Sorry.",
        "blockedOutputsMessaging": "Sorry.",
    }


def test_guardrail_is_skipped_when_none_is_set(aws):
    result = doctor.check_guardrail(aws, settings())
    assert result.status == doctor.SKIP and "GUARDRAIL_ID unset" in result.message


def test_guardrail_passes_when_that_version_is_ready(aws):
    bedrock = stubbed(aws, "bedrock")
    bedrock.add_response("get_guardrail", guardrail(), {"guardrailIdentifier": GUARDRAIL, "guardrailVersion": "3"})
    result = doctor.check_guardrail(aws, settings(GUARDRAIL_ID=GUARDRAIL, GUARDRAIL_VERSION="3"))
    assert result.status == doctor.PASS and "'gr4abc' version 3 (no-secrets) is READY" in result.message
    bedrock.assert_no_pending_responses()


def test_guardrail_draft_passes_with_a_word_on_pinning_a_version(aws):
    stubbed(aws, "bedrock").add_response("get_guardrail", guardrail(version="DRAFT"))
    result = doctor.check_guardrail(aws, settings(GUARDRAIL_ID=GUARDRAIL, GUARDRAIL_VERSION="DRAFT"))
    assert result.status == doctor.PASS and "a version number pins it" in result.message


def test_guardrail_not_ready_warns(aws):
    stubbed(aws, "bedrock").add_response("get_guardrail", guardrail(status="VERSIONING"))
    result = doctor.check_guardrail(aws, settings(GUARDRAIL_ID=GUARDRAIL, GUARDRAIL_VERSION="3"))
    assert result.status == doctor.WARN and "is VERSIONING, not READY" in result.message


def test_guardrail_missing_fails_naming_both_settings(aws):
    stubbed(aws, "bedrock").add_client_error(
        "get_guardrail", **error("ResourceNotFoundException", "no such guardrail", 404)
    )
    result = doctor.check_guardrail(aws, settings(GUARDRAIL_ID=GUARDRAIL, GUARDRAIL_VERSION="9"))
    assert result.status == doctor.FAIL
    assert "'gr4abc' version 9: Bedrock has no such guardrail in us-east-1" in result.message
    assert "set GUARDRAIL_ID and GUARDRAIL_VERSION" in result.message


# --- several models: each checked ---

SECOND = "anthropic.claude-haiku-4-5-20251001-v1:0"


def test_each_model_of_the_list_is_checked(aws):
    bedrock = stubbed(aws, "bedrock")
    bedrock.add_response("get_inference_profile", profile(), {"inferenceProfileIdentifier": PROFILE})
    bedrock.add_response("get_foundation_model", lifecycle("ACTIVE"), {"modelIdentifier": BASE})
    bedrock.add_client_error(
        "get_foundation_model",
        **error("ResourceNotFoundException", "", 404),
        expected_params={"modelIdentifier": SECOND},
    )
    results = doctor.check_model(aws, settings(MODEL_ID=f"{PROFILE},{SECOND}"))
    assert [result.status for result in results] == [doctor.PASS, doctor.FAIL]
    assert f"MODEL_ID {SECOND!r}: Bedrock has no foundation model" in results[1].message
    bedrock.assert_no_pending_responses()


def test_model_access_is_asked_once_per_base_model(aws):
    bedrock = stubbed(aws, "bedrock")
    bedrock.add_response("get_foundation_model_availability", availability(), {"modelId": BASE})
    bedrock.add_response(
        "get_foundation_model_availability",
        {**availability(region="NOT_AVAILABLE"), "modelId": SECOND},
        {"modelId": SECOND},
    )
    # two profiles of one base model, and a second model
    results = doctor.check_model_access(aws, settings(MODEL_ID=f"{PROFILE},global.{BASE},{SECOND}"))
    assert [result.status for result in results] == [doctor.PASS, doctor.FAIL]
    assert results[1].message.startswith(f"{SECOND} is not offered in us-east-1")
    bedrock.assert_no_pending_responses()


def test_invoke_calls_each_model_once(aws):
    aws.invoke = True
    runtime = stubbed(aws, "bedrock-runtime")
    answer = {
        "output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
        "stopReason": "max_tokens",
        "usage": {"inputTokens": 10, "outputTokens": 1, "totalTokens": 11},
        "metrics": {"latencyMs": 300},
    }
    for model_id in (PROFILE, SECOND):
        runtime.add_response(
            "converse",
            answer,
            {
                "modelId": model_id,
                "messages": [{"role": "user", "content": [{"text": "Say OK."}]}],
                "inferenceConfig": {"maxTokens": 1},
            },
        )
    results = doctor.check_invoke(aws, settings(MODEL_ID=f"{PROFILE},{SECOND}"))
    assert [(result.status, result.message.split()[0]) for result in results] == [
        (doctor.PASS, PROFILE),
        (doctor.PASS, SECOND),
    ]
    runtime.assert_no_pending_responses()


# --- doctor's own calls failing: a line each, never a trace ---


@pytest.mark.parametrize(
    ("problem", "status", "says"),
    [
        (ClientError({"Error": {"Code": "ThrottlingException"}}, "GetFoundationModel"), doctor.WARN, "throttled"),
        (ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetFoundationModel"), doctor.WARN, "doctor policy"),
        (
            EndpointConnectionError(endpoint_url="https://bedrock.xx-east-9.amazonaws.com"),
            doctor.FAIL,
            "set AWS_REGION",
        ),
        (RuntimeError("something new"), doctor.FAIL, "unexpected RuntimeError"),
    ],
)
def test_a_failed_call_is_one_clear_line(aws, problem, status, says):
    def check_raises(aws_, settings_):
        raise problem

    [_, result] = doctor.run_checks(aws, settings(), [check_raises])
    assert result.status == status and says in result.message
    assert result.name == "raises"


# --- the command: lines and exit status ---


def test_main_exits_2_on_a_bad_setting(monkeypatch, capsys):
    monkeypatch.setenv("RESERVED_CONCURRENCY", "lots")
    assert doctor.main([]) == 2
    assert "RESERVED_CONCURRENCY" in capsys.readouterr().err


def test_main_exits_2_on_an_unknown_stack(monkeypatch, capsys):
    monkeypatch.setenv("ENVIRONMENTS", "dev,prod")
    assert doctor.main(["--stack", "bedrock-inference-qa"]) == 2
    assert "bedrock-inference-dev, bedrock-inference-prod" in capsys.readouterr().err


def test_main_checks_only_the_stack_named(aws, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_guardrail,))
    monkeypatch.setenv("ENVIRONMENTS", "dev,prod")
    assert doctor.main(["--stack", "bedrock-inference-prod"], make_aws=lambda settings_, invoke: aws) == 0
    out = capsys.readouterr().out
    assert "bedrock-inference-prod (us-east-1):" in out and "bedrock-inference-dev" not in out


def test_main_exits_1_when_a_check_fails(aws, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_lock_table,))
    monkeypatch.setenv("STATE_LOCK_TABLE", "tf-nowhere")
    assert doctor.main([], make_aws=lambda settings_, invoke: aws) == 1
    out = capsys.readouterr().out
    assert "PASS  credentials:" in out and "FAIL  lock table: STATE_LOCK_TABLE 'tf-nowhere'" in out


def test_main_exits_0_when_nothing_fails_and_passes_invoke_on(aws, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_invoke, doctor.check_alarm_email))
    monkeypatch.setenv("ALARM_EMAIL", "oncall@example.com")
    stubbed(aws, "bedrock-runtime").add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "OK"}]}},
            "stopReason": "max_tokens",
            "usage": {"inputTokens": 10, "outputTokens": 1, "totalTokens": 11},
            "metrics": {"latencyMs": 300},
        },
    )
    assert (
        doctor.main(
            ["--invoke"], make_aws=lambda settings_, invoke: doctor.Aws(aws.session, invoke, clients=aws.clients)
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "PASS  invoke:" in out and "WARN  alarm email:" in out
