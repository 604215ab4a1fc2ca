"""`byoc spark-history`: Spark's history server (the Spark UI of finished apps) for a PySpark job's event logs.

    locate   where a job's Spark event logs are, from its request (the SDK's `--local-spark-event-logs-dir`
             and the output that carries it, `--spark-event-logs-s3-uri`, `spark.eventLog.dir`) and, for a
             local job, its hosts' folders
    mirror   a folder kept equal to those logs (a local folder or an S3 prefix, read through launcher.storage)
    server   Spark's HistoryServer in a byoc/spark container reading that folder, on 127.0.0.1:<port>

SageMaker's SDK does the same for its jobs with `PySparkProcessor.start_history_server()`: it runs its
Spark image's `smspark-history-server` with the S3 URI and your AWS keys in the container's environment.
Here the launcher reads S3 itself, so the container gets no credentials and needs no network.
"""
