ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
ENV TRAINING_PATHS=1
ENTRYPOINT ["python3", "/opt/job.py"]
