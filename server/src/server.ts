// Process entry only: configuration, logger, listen, graceful close.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const app = await buildApp(config);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await app.listen({ port: config.port, host: config.host });
app.log.info({ node: config.nodeId, prefix: config.keyPrefix, jurisdiction: config.jurisdictionDir }, 'command-room server ready');
if (config.demoMode && !['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
  // Published passwords, device secret and producer token on a reachable address: say so where operators look.
  app.log.warn({ host: config.host }, '演示模式：演示账号、设备密钥与接入令牌为公开默认值；正式部署请设置 DEMO_MODE=false / demo mode: published demo passwords, device secret and producer token are accepted on a reachable address; set DEMO_MODE=false in production');
}
