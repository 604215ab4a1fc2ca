"""Spark on SageMaker Processing: every host of a job as one Spark standalone cluster (stdlib only).

`python3 -m byoc_spark` is the Spark image's entrypoint (see __main__ for its commands); the
cluster's life is in `cluster`, the SDK-compatible command line in `options`, configuration.json in
`configuration`, and Spark's own configuration folder in `sparkconf`.
"""

from byoc_spark.cluster import run_app
from byoc_spark.errors import ClusterError, SparkAppError
from byoc_spark.options import SubmitRequest, parse

__all__ = ["ClusterError", "SparkAppError", "SubmitRequest", "parse", "run_app"]
