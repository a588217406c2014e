import { runMain } from '@wagerflow/runtime';
import { loadConfig } from './config.js';
import { createService } from './service.js';

await runMain(async () => {
  const service = await createService(loadConfig());
  service.shutdown.installSignalHandlers();
  await service.start();
});
