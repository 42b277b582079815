FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir . && useradd --system --home /data switchboard \
    && mkdir -p /data && chown switchboard /data
USER switchboard
VOLUME /data
EXPOSE 8000
CMD ["switchboard", "serve"]
