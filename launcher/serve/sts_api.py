"""STS, as far as the SDKs go with an endpoint variable set: GetCallerIdentity names the signer.

The account is the local backend's placeholder (000000000000, the account of every local job's ARN), so what
an SDK derives from it (ARNs, default names) agrees with what DescribeProcessingJob shows.
"""

from __future__ import annotations

from typing import Any

from launcher.local.hostconfig import LOCAL_ACCOUNT


def get_caller_identity(access_key_id: str) -> dict[str, Any]:
    return {"UserId": access_key_id, "Account": LOCAL_ACCOUNT, "Arn": f"arn:aws:iam::{LOCAL_ACCOUNT}:user/byoc-serve"}
