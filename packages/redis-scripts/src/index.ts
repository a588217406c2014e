export { defineScript, type RedisScript, type ScriptArg } from './define-script.js';
