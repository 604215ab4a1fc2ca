"""SDK v2 SKLearnProcessor with `code=`, a local input and an S3 output, as a user writes it (the SDK uploads
the code and the input to its default bucket, computes AWS's sklearn image URI, follows the logs)."""

import json
import pathlib
import sys

from sagemaker.processing import ProcessingInput, ProcessingOutput
from sagemaker.sklearn.processing import SKLearnProcessor

job_name, role, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
(work / "data").mkdir(exist_ok=True)
(work / "data" / "numbers.csv").write_text("x\n1\n2\n3\n")
(work / "job.py").write_text(
    "import pandas, sklearn\n"
    "frame = pandas.read_csv('/opt/ml/processing/input/data/numbers.csv')\n"
    "frame.assign(y=frame.x * 2).to_csv('/opt/ml/processing/output/doubled/doubled.csv', index=False)\n"
    "print('sklearn', sklearn.__version__, 'rows', len(frame))\n")
processor = SKLearnProcessor(framework_version="1.2-1", role=role, instance_type="ml.m5.xlarge", instance_count=1)
processor.run(code=str(work / "job.py"), job_name=job_name, wait=True, logs=True,
              inputs=[ProcessingInput(source=str(work / "data"), destination="/opt/ml/processing/input/data")],
              outputs=[ProcessingOutput(output_name="doubled", source="/opt/ml/processing/output/doubled")])
described = processor.sagemaker_session.describe_processing_job(job_name)
print(json.dumps({"ProcessingJobStatus": described["ProcessingJobStatus"],
                  "ImageUri": described["AppSpecification"]["ImageUri"],
                  "Output": described["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]}))
