ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
USER nobody
ENTRYPOINT ["python3", "/opt/job.py"]
