# syntax=docker/dockerfile:1
# Broadsheet image: one image for web (gunicorn), worker, beat and the migrate one-shot;
# the role is the command (deploy/run.sh migrate|web|worker|beat, default web).
#
#   docker build -t broadsheet .
#   docker compose up      (see docker-compose.yml and docs/deploy.md)

ARG PYTHON_VERSION=3.11

# --- Build: resolve the locked dependencies with uv, collect static files -----------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . .
# Hashed, compressed static files, baked into the image. The values only satisfy the
# production settings' required variables: collectstatic connects to nothing.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://collectstatic@localhost/unused \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    /app/.venv/bin/python manage.py collectstatic --noinput --verbosity 0

# --- Runtime: slim Python, the virtualenv and the app, no compilers, not root ----------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:${PATH}" \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKER_TMP_DIR=/dev/shm
RUN groupadd --system --gid 10001 broadsheet \
    && useradd --system --uid 10001 --gid broadsheet --home-dir /app --no-create-home broadsheet
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# MEDIA_ROOT: the only folder the app writes to (a volume in compose takes its owner).
RUN mkdir -p /app/media && chown 10001:10001 /app/media
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
ENTRYPOINT ["deploy/run.sh"]
CMD ["web"]
