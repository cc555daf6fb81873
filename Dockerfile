# Image for docker-compose.yml: the harness package with its dashboards.
FROM python:3.11-slim
WORKDIR /opt/warehouse
COPY . .
RUN pip install --no-cache-dir -e ".[dash]"
CMD ["harness", "--help"]
