# Comptoir: the shop and head office from one image (the role is the command:
# `shop`, `hq`, or any operator command such as `backup`, `sync status`).
FROM node:20-bookworm-slim

# pg_dump/pg_restore 15 for backups (the embedded PostgreSQL ships neither);
# tini as PID 1 forwards SIGTERM and reaps the embedded PostgreSQL.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-15 tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
WORKDIR /opt/comptoir
COPY package.json package-lock.json ./
# Production dependencies only; the embedded PostgreSQL for this CPU (amd64 or arm64) comes with them.
RUN npm ci --omit=dev --no-audit && npm cache clean --force

COPY bin ./bin
COPY server ./server
COPY jobs ./jobs
COPY migrations ./migrations
COPY views ./views
COPY scripts ./scripts
COPY deploy/docker-entrypoint.sh /usr/local/bin/comptoir-entrypoint

# Not root: a user of its own, owning only /data (the embedded cluster, backups, the clock file).
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin comptoir \
 && mkdir -p /data && chown comptoir:comptoir /data && chmod 0755 /usr/local/bin/comptoir-entrypoint
USER comptoir
ENV DATA_DIR=/data
VOLUME /data
EXPOSE 3000 4000

HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD node -e "const p=process.env.PORT||(process.env.COMPTOIR_ROLE==='hq'?4000:3000);fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

ENTRYPOINT ["tini", "--", "comptoir-entrypoint"]
CMD ["shop"]
