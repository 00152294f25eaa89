# One image for the API (`cuewatch serve`) and the workers (`cuewatch worker`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# OpenCV (pulled in by mediapipe) needs these shared libraries at import time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY service ./service
RUN pip install .

# Uploads are face video: run unprivileged, with the data dir the only writable place.
RUN useradd --create-home --uid 10001 cuewatch \
    && mkdir /data && chown cuewatch:cuewatch /data
USER cuewatch
ENV CUEWATCH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

CMD ["cuewatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
