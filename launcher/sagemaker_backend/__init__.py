"""Run a JobDefinition on SageMaker Processing through the SageMaker Python SDK (2.x).

    settings  role, bucket, prefix, region: flag, job file, environment
    session   boto3 session and the SDK, imported lazily (seconds) and never told to call STS
    uploads   local inputs and code -> s3://<bucket>/<prefix>/<job>/input/<name>/
    downloads local outputs <- s3://<bucket>/<prefix>/<job>/output/<name>/, once Completed
    submit    JobDefinition -> Processor(...).run(...); --dry-run captures the request unsent
    logs      CloudWatch logs of every host, prefixed like the local backend's
    status    DescribeProcessingJob -> JobStatus
    backend   SageMakerBackend: prepare, dry_run, submit, wait, describe, stop
    commands  what `byoc ... --backend sagemaker` does
    options   the CLI's backend options (typer only)

Importing this package (the CLI imports `options` at start-up) loads neither boto3 nor the SDK.
"""
