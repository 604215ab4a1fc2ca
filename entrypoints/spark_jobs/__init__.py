"""Spark jobs bundled in the Spark image: each module is an app for `spark-app` (see byoc_spark)."""
