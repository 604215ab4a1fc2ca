"""Run a JobDefinition on SageMaker Processing through the SageMaker Python SDK, behind the Backend protocol.

    settings  role, bucket, prefix, region: flag, job file, environment
    session   boto3 session and the SDK, imported lazily (seconds) and never told to call STS
    uploads   local inputs and code -> s3://<bucket>/<prefix>/<job>/input/<name>/
    downloads local outputs <- s3://<bucket>/<prefix>/<job>/output/<name>/, once Completed
    submit    the request -> sagemaker-core's Processor(...).run(...), sent exactly; a dry run captures it unsent
    logs      CloudWatch logs of every host, as LogEvents
    status    DescribeProcessingJob -> JobStatus
    backend   SageMakerBackend: request_for, submit, describe, logs, wait, stop, list

Importing this package loads neither boto3 nor the SDK.
"""
