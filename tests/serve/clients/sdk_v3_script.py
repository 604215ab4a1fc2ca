"""SDK v3 (sagemaker-core) ScriptProcessor with `code=` and an input from a local folder, as a user writes it."""

import json
import pathlib
import sys

from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.shapes import ProcessingInput, ProcessingS3Input

job_name, role, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
(work / "data").mkdir(exist_ok=True)
(work / "data" / "words.txt").write_text("alpha\nbeta\n")
(work / "count.py").write_text(
    "import pathlib\n"
    "words = pathlib.Path('/opt/ml/processing/input/words/words.txt').read_text().split()\n"
    "print('counted', len(words), 'words')\n")
processor = ScriptProcessor(role=role, image_uri="byoc/base:latest", command=["python3"], instance_count=1,
                            instance_type="ml.m5.xlarge")
words = ProcessingInput(input_name="words", s3_input=ProcessingS3Input(
    s3_uri=str(work / "data"), local_path="/opt/ml/processing/input/words", s3_data_type="S3Prefix",
    s3_input_mode="File"))
processor.run(code=str(work / "count.py"), job_name=job_name, wait=True, logs=True, inputs=[words])
described = processor.sagemaker_session.sagemaker_client.describe_processing_job(ProcessingJobName=job_name)
print(json.dumps({"ProcessingJobStatus": described["ProcessingJobStatus"],
                  "Inputs": [i["S3Input"]["S3Uri"] for i in described["ProcessingInputs"]]}))
