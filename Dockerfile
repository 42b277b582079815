# syntax=docker/dockerfile:1
# Build stage: compile wheels into a virtualenv, so the runtime image carries no compilers.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml README.md LICENSE ./
RUN mkdir -p core && touch core/__init__.py \
    && pip install . && pip uninstall -y switchboard
COPY . .
RUN pip install --no-deps .

# Runtime stage: the virtualenv, the PostgreSQL client for `switchboard backup`, a non-root user.
FROM python:3.11-slim
# pg_dump must be at least the server's major version: Debian 12 ships 15 (see compose.yaml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin switchboard \
    && mkdir -p /data && chown switchboard /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
USER switchboard
WORKDIR /data
VOLUME /data
EXPOSE 8000
# /healthz answers while the process serves; /readyz also checks the database (for load balancers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"
CMD ["switchboard", "serve"]
