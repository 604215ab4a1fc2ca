"""Plain SDK v2 code, as a user writes it; run by tests/serve/test_clients.py in the sdk-v2 venv."""

import json
import sys

from sagemaker.processing import Processor

job_name, role = sys.argv[1], sys.argv[2]
processor = Processor(role=role, image_uri="byoc/base:latest", instance_count=1, instance_type="ml.m5.xlarge",
                      entrypoint=["python3", "-c", "print('hello from sdk v2')"])
processor.run(job_name=job_name, wait=True, logs=True)
described = processor.sagemaker_session.describe_processing_job(job_name)
print(json.dumps({k: described[k] for k in ("ProcessingJobName", "ProcessingJobStatus")}))
