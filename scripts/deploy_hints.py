"""Printed by `make deploy` when the deploy fails: known AWS errors and the setting that fixes each.

cdktf shows Terraform's error above this; the hints say what to change without reading code.
"""

from __future__ import annotations

HINTS = [
    (
        "decreases account's UnreservedConcurrentExecution below its minimum value",
        "The account's Lambda concurrency quota is the new-account minimum (10), which leaves nothing "
        "to reserve. Deploy with RESERVED_CONCURRENCY=off (or ask AWS Support for a higher quota).",
    ),
    (
        "CloudWatch Logs role ARN must be set in account settings to enable logging",
        "Stage logging needs the account's API Gateway CloudWatch role. Deploy with "
        "API_GATEWAY_ACCOUNT_ROLE=true (the default), or set that role in the account yourself.",
    ),
]


def main() -> None:
    print("\nmake deploy failed. If the error above says:")
    for fragment, advice in HINTS:
        print(f'  - "{fragment}":\n      {advice}')


if __name__ == "__main__":
    main()
