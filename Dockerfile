# Stage 1: the front end's build (web/build.mjs: bundled, minified, precompressed; esbuild is a dev package),
# then only the runtime npm packages, from the lock file (not the dev ones: reveal.js is for the deck tests).
FROM node:20-bookworm-slim AS web
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./
RUN node build.mjs && rm -rf node_modules && npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Stage 2: the server on a slim Python.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BACKPROP_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY server ./server
COPY web ./web
COPY --from=web /app/web/node_modules ./web/node_modules
COPY --from=web /app/web/dist ./web/dist
# the package takes the front end and these npm packages in (setup.py); this stage has no npm
RUN BACKPROP_NODE_MODULES=/app/web/node_modules pip install --no-cache-dir '.[postgres]'
ENV BACKPROP_WEB_DIR=/app/web
RUN useradd --create-home --uid 1000 playground && mkdir -p /data && chown playground /data
USER playground
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health').status != 200)"
CMD ["backprop-playground", "serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
