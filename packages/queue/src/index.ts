export { createRedis, type Redis } from './redis.js';
export { createQueue, addInTransaction, type TypedQueue } from './producer.js';
export { createWorker, type Handlers, type TypedWorker, type WorkerSettings } from './worker.js';
export { UnrecoverableError, Job, Queue, QueueEvents } from 'bullmq';
export { Batcher, type BatcherOptions } from './batcher.js';
export type { ErrorLogger } from './error-logger.js';
export { instrumentQueue, type QueueMetricsRegistry } from './queue-metrics.js';
