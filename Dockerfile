# cardbot: `docker build -t cardbot .`; compose.yaml runs it with PostgreSQL.
# Two stages: the build tools and pip's cache stay out of the image that runs.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY bot ./bot
COPY db ./db
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8080 \
    HEALTH_PORT=8081
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cardbot \
    && mkdir -p /app/.cache && chown cardbot:cardbot /app/.cache
WORKDIR /app
COPY --chown=cardbot:cardbot knowledge ./knowledge
USER cardbot
# The dictionaries (jieba's words, CC-CEDICT, pinyin, zh-cn) read once into their compact cached form
# (bot/matching/cache.py) at build time: no container reads them at start-up, or keeps pypinyin loaded.
RUN cardbot ask "中医院 hospital 電話" > /dev/null && ls /app/.cache/cardbot
EXPOSE 8080 8081
# Webhook mode only (polling has no server): 200 when the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=4)"]
ENTRYPOINT ["cardbot"]
CMD ["run", "--webhook"]
