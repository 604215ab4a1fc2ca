ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
ENV SLEEP=4
# Arguments a table must print as written, never as rich markup.
ENTRYPOINT ["python3", "/opt/job.py", "--label", "[bold]red[/]"]
