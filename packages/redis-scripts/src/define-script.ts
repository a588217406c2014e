import type { ChainableCommander, Redis } from 'ioredis';

/** What a script's ARGV may carry. */
export type ScriptArg = string | number | Buffer;

/**
 * A Lua script with typed KEYS, ARGV and reply. `run` calls it on a client, `queue` adds it to a pipeline or MULTI
 * (its reply then comes with the pipeline's `exec`). The reply type is declared, not checked: the script is ours.
 */
export interface RedisScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Result> {
  readonly name: string;
  readonly lua: string;
  /** Define it on `client` now, so that pipelines made from the client later send EVALSHA. */
  register(client: Redis): void;
  run(client: Redis, keys: Keys, args: Args): Promise<Result>;
  queue(pipeline: ChainableCommander, keys: Keys, args: Args): void;
}

type ScriptFn = (this: unknown, numKeys: number, ...args: ScriptArg[]) => Promise<unknown>;

/**
 * Registers the script with ioredis' `defineCommand` on `register` or first `run` per client (EVALSHA, with EVAL when the server
 * lacks it), always with the key count as first argument so one definition serves a fixed or a variable number of
 * keys. A pipeline or MULTI carries the scripts its client had when it was created; one made from a client that never
 * ran this script (BullMQ's own connection, for one) sends EVAL instead: same effect, more bytes.
 * The one place that reaches the dynamically added methods: call sites stay typed.
 */
export function defineScript<Keys extends readonly string[], Args extends readonly ScriptArg[], Result>(definition: {
  /** The command name ioredis adds to the client; unique per script. */
  name: string;
  lua: string;
}): RedisScript<Keys, Args, Result> {
  const { name, lua } = definition;
  const defined = new WeakSet<Redis>();
  const method = (target: object): ScriptFn | undefined => {
    const fn = (target as Record<string, unknown>)[name];
    return typeof fn === 'function' ? (fn as ScriptFn) : undefined;
  };
  const ensure = (client: Redis): ScriptFn => {
    if (!defined.has(client)) {
      if (!method(client)) client.defineCommand(name, { lua });
      defined.add(client);
    }
    const fn = method(client);
    if (!fn) throw new Error(`redis script ${name} is not defined on the client`);
    return fn;
  };
  return {
    name,
    lua,
    register(client) {
      ensure(client);
    },
    async run(client, keys, args) {
      return (await ensure(client).call(client, keys.length, ...keys, ...args)) as Result;
    },
    queue(pipeline, keys, args) {
      const fn = method(pipeline);
      if (fn) void fn.call(pipeline, keys.length, ...keys, ...args);
      else void pipeline.eval(lua, keys.length, ...keys, ...args);
    },
  };
}
