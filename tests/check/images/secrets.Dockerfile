ARG BASE_IMAGE=byoc/base:latest
FROM ${BASE_IMAGE}
COPY job.py /opt/job.py
# Made-up keys of the real shapes, added by one layer and deleted by the next: still in the image.
COPY fake-credentials /root/.aws/credentials
COPY fake-key.pem /opt/deploy-key.pem
RUN rm /root/.aws/credentials /opt/deploy-key.pem
COPY ca-bundle.crt /usr/local/share/pip-ca.crt
ENTRYPOINT ["python3", "/opt/job.py"]
