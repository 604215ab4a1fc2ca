"""SDK v2 PySparkProcessor on 2 instances, `submit_app` and `arguments`, as a user writes it."""

import json
import pathlib
import sys

from sagemaker.spark.processing import PySparkProcessor

job_name, role, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
(work / "app.py").write_text(
    "import sys\n"
    "from pyspark.sql import SparkSession\n"
    "spark = SparkSession.builder.appName('count').getOrCreate()\n"
    "n = int(sys.argv[sys.argv.index('--n') + 1])\n"
    "total = spark.sparkContext.parallelize(range(n), 8).map(lambda x: x * 2).sum()\n"
    "print('executors', len(spark.sparkContext._jsc.sc().statusTracker().getExecutorInfos()) - 1)\n"
    "print('sum of doubles', total)\n"
    "spark.stop()\n")
processor = PySparkProcessor(framework_version="3.5", role=role, instance_count=2, instance_type="ml.m5.xlarge",
                             max_runtime_in_seconds=900)
processor.run(submit_app=str(work / "app.py"), arguments=["--n", "1000"], job_name=job_name, wait=True, logs=True)
described = processor.sagemaker_session.describe_processing_job(job_name)
print(json.dumps({"ProcessingJobStatus": described["ProcessingJobStatus"],
                  "ImageUri": described["AppSpecification"]["ImageUri"]}))
