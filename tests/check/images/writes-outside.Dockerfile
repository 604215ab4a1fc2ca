ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
ENV WRITE_OUTSIDE=1
ENTRYPOINT ["python3", "/opt/job.py"]
