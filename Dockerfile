# Build stage: compile TypeScript with the full dev toolchain.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled JavaScript only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SERVER_DATA_DIR=/var/lib/openvidu
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
RUN mkdir -p /var/lib/openvidu && chown node:node /var/lib/openvidu
USER node
EXPOSE 4443
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch((process.env.SERVER_SSL_ENABLED==='false'?'http':'https')+'://127.0.0.1:'+(process.env.SERVER_PORT||4443)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" || exit 1
CMD ["node", "dist/src/main.js"]
