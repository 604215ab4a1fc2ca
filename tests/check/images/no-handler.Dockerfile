ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
ENV SLEEP=8 NO_HANDLER=1
ENTRYPOINT ["python3", "/opt/job.py"]
