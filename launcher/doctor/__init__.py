"""`byoc doctor`: is this machine (and, asked, this AWS account) ready to run the kit's jobs? One check a line.

    checks       Check: a name, passed or not, what was seen, and the fix when it failed
    machine      the engine (version, storage driver), the kit's images (present, linux/amd64, built from
                 what the kit holds now: launcher/build_context.py), free disk for the jobs folder
    endpoint     the AWS credentials endpoint of local jobs, reached from a container as a job reaches it
    aws          credentials and region, the role and its trust of SageMaker, the bucket and its region,
                 the ECR repository and image, the engine's login to the registry (nothing billable)
    smoke        a 1-instance job of the base image on SageMaker, the smallest processing instance
    run          the checks in order, each yielded as soon as it is known

No module here imports the CLI; launcher/cli/doctor.py prints what `run` yields.
"""
