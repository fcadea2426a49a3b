"""A WAF web ACL in front of the API stage: per-IP rate limit and AWS managed rule groups.

- Known bad inputs (Log4j/Log4Shell, Java deserialization, host-header exploits): block.
- Anonymous IP list: requests from Tor, VPNs and anonymizing proxies are blocked (a cheap way to
  abuse a pay-per-token endpoint); its hosting-provider rule only counts, since legitimate
  callers often run on cloud hosts.

The common rule set is left out on purpose: its SizeRestrictions_BODY rule blocks bodies over
8 KB, which would refuse long prompts the API accepts (up to BODY_MAX_BYTES).
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from constructs_lib.aws import (
    CloudwatchLogGroup,
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)

KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
ANONYMOUS_IPS = "AWSManagedRulesAnonymousIpList"
COUNT_ONLY = {ANONYMOUS_IPS: ["HostingProviderIPList"]}
# Credentials a request carries: the API key, and the bearer token of OpenAI-style clients. WAF
# logs every request's headers, so these would land in plain text in aws-waf-logs-* (API
# Gateway's own logs mask keys). WAF takes header names in lower case here.
REDACTED_HEADERS = ("x-api-key", "authorization")


def log_group_name(name: str) -> str:
    """WAF accepts only log groups whose name starts with ``aws-waf-logs-``."""
    return f"aws-waf-logs-{name}"


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


class ApiFirewall(Construct):
    """Web ACL (REGIONAL) associated with one API Gateway stage, logging blocked requests.

    WAF requires its log group's name to start with ``aws-waf-logs-``. The logs carry no
    credentials: the ``x-api-key`` and ``authorization`` headers are redacted.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        stage_arn: str,
        rate_limit_per_5_minutes: int,
        log_retention_days: int,
        kms_key_arn: str | None,
    ) -> None:
        super().__init__(scope, id_)
        metric = name.replace("-", "")
        self.web_acl = Wafv2WebAcl(
            self,
            "web_acl",
            name=name,
            description="Rate limit per client IP and AWS known-bad-inputs rules for the Bedrock API",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            visibility_config=Wafv2WebAclVisibilityConfig(**_visibility(metric)),
            rule=[
                Wafv2WebAclRule(
                    name="rate-limit-per-ip",
                    priority=1,
                    action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
                    statement={
                        "rate_based_statement": {
                            "limit": rate_limit_per_5_minutes,
                            "aggregate_key_type": "IP",
                        }
                    },
                    visibility_config=Wafv2WebAclRuleVisibilityConfig(**_visibility(f"{metric}RateLimit")),
                ),
                Wafv2WebAclRule(
                    name="aws-known-bad-inputs",
                    priority=2,
                    override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                    statement={"managed_rule_group_statement": {"name": KNOWN_BAD_INPUTS, "vendor_name": "AWS"}},
                    visibility_config=Wafv2WebAclRuleVisibilityConfig(**_visibility(f"{metric}KnownBadInputs")),
                ),
                Wafv2WebAclRule(
                    name="aws-anonymous-ip-list",
                    priority=3,
                    override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                    statement={
                        "managed_rule_group_statement": {
                            "name": ANONYMOUS_IPS,
                            "vendor_name": "AWS",
                            "rule_action_override": [
                                {"name": rule, "action_to_use": {"count": {}}} for rule in COUNT_ONLY[ANONYMOUS_IPS]
                            ],
                        }
                    },
                    visibility_config=Wafv2WebAclRuleVisibilityConfig(**_visibility(f"{metric}AnonymousIps")),
                ),
            ],
        )
        Wafv2WebAclAssociation(self, "association", resource_arn=stage_arn, web_acl_arn=self.web_acl.arn)
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=log_group_name(name),
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header),
                )
                for header in REDACTED_HEADERS
            ],
        )
