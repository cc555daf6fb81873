# Image for docker-compose.yml: the harness package with its dashboards, and Debian's cron for the
# scheduler service (deploy/docker/crontab).
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends cron tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/warehouse
COPY . .
RUN pip install --no-cache-dir -e ".[dash]" \
 && install -m 0644 deploy/docker/crontab /etc/cron.d/harness \
 && chmod 0755 deploy/docker/scheduler.sh
CMD ["harness", "--help"]
