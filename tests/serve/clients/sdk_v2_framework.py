"""SDK v2 FrameworkProcessor with `source_dir`, as a user writes it (the SDK tars the folder and runs its own
runproc.sh in the sklearn image)."""

import json
import pathlib
import sys

from sagemaker.processing import FrameworkProcessor
from sagemaker.sklearn.estimator import SKLearn

job_name, role, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
source = work / "src"
source.mkdir(exist_ok=True)
(source / "helpers.py").write_text("def greet(name):\n    return f'hello {name} from source_dir'\n")
(source / "main.py").write_text("import sys\nfrom helpers import greet\nprint(greet(sys.argv[1]))\n")
processor = FrameworkProcessor(estimator_cls=SKLearn, framework_version="1.2-1", role=role, instance_count=1,
                               instance_type="ml.m5.xlarge")
processor.run(code="main.py", source_dir=str(source), arguments=["framework"], job_name=job_name, wait=True,
              logs=True)
described = processor.sagemaker_session.describe_processing_job(job_name)
print(json.dumps({"ProcessingJobStatus": described["ProcessingJobStatus"]}))
