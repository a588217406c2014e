import { createLogger, runClusterPrimary, runMain, shouldRunClusterPrimary } from '@wagerflow/runtime';
import { loadConfig } from './config.js';
import { createService } from './service.js';

await runMain(async () => {
  const config = loadConfig();
  if (shouldRunClusterPrimary(config.GATEWAY_PROCESSES)) {
    await runClusterPrimary({
      processes: config.GATEWAY_PROCESSES,
      opsPort: config.GATEWAY_OPS_PORT,
      logger: createLogger('gateway', config.LOG_LEVEL).child({ role: 'primary' }),
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
    return;
  }
  const service = await createService(config);
  service.shutdown.installSignalHandlers();
  await service.start();
});
