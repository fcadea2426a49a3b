"""Where Terraform keeps the stack's state: a local file, or S3 when ``STATE_BUCKET`` is set.

The S3 backend is configured with a key per stack (``<prefix>/<stack>/terraform.tfstate``),
server-side encryption, and locking: S3's own lock file (``use_lockfile``, Terraform 1.10+)
unless ``STATE_LOCK_TABLE`` names a DynamoDB table. cdktf 0.21's ``S3Backend`` predates
``use_lockfile``, so that one argument is added as an override.
"""

from __future__ import annotations

from cdktf import S3Backend, TerraformStack

from constructs_lib.settings import Settings


def state_key(stack_id: str, prefix: str = "") -> str:
    return f"{prefix}/{stack_id}/terraform.tfstate" if prefix else f"{stack_id}/terraform.tfstate"


def configure_state_backend(stack: TerraformStack, stack_id: str, settings: Settings) -> S3Backend | None:
    """Put ``stack``'s state in S3 when a bucket is configured; otherwise leave cdktf's local state."""
    if not settings.state_bucket:
        return None
    backend = S3Backend(
        stack,
        bucket=settings.state_bucket,
        key=state_key(stack_id, settings.state_key_prefix),
        region=settings.state_region or settings.region,
        encrypt=True,
        dynamodb_table=settings.state_lock_table or None,
    )
    if not settings.state_lock_table:
        backend.add_override("use_lockfile", True)
    return backend
