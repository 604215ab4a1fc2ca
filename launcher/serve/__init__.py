"""`byoc serve`: the SageMaker Processing API on localhost, so unchanged SDK, boto3 and AWS CLI code runs its
jobs on the local backend.

    client (SDK v2/v3, boto3, aws CLI)  AWS_ENDPOINT_URL=http://127.0.0.1:8580
        |  SigV4-signed HTTP
        v
    app.Endpoint --auth.verify--> route by service
        SageMaker (JSON 1.1)  sagemaker_api --definition--> Backend.submit / describe / list / stop
        Logs (JSON 1.1)       logs_api      ------------->  Backend.logs
        STS (query)           sts_api
        S3 (REST)             s3: the embedded moto S3, written through to <state>/s3 (s3store)
    wire: moto's parsers and serializers over botocore's service models; ParamValidator + constraints
    launcher.images: registry URI -> local image;  reach: the address job containers use;  store: tags, sent
    requests;  ends: the console's line for each job as it ends, with the hints and warnings the API cannot carry

Entry points for the CLI (launcher/cli/serve.py): `run(options)` (foreground), `detach(options, command)`,
`stop(options)`, `print_env(options)`.
"""

from launcher.serve.environment import print_env
from launcher.serve.options import DEFAULT_PORT, ServeOptions
from launcher.serve.server import detach, run, start, stop

__all__ = ["DEFAULT_PORT", "ServeOptions", "detach", "print_env", "run", "start", "stop"]
