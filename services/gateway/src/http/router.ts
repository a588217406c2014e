import type { NextFunction, Router } from 'express';
import { z } from 'zod';
import { ApiError } from './api-error.js';
import type { Admission } from './admission-control.js';
import {
  API_ROUTES,
  ROUTER_OPERATIONS,
  expressPath,
  isStaff,
  readsBody,
  sheds,
  type ApiRoute,
  type RouterOperationId,
} from './api-routes.js';
import type { Auth } from './auth.js';
import { parseJsonBody, readRawBody, validate } from './body.js';
import type { ApiRequest, ApiResponse } from './http-types.js';

type Method = ApiRoute['method'];
type RouteOf<Id extends RouterOperationId> = (typeof API_ROUTES)[Id];

export interface PlayerPrincipal {
  readonly kind: 'player';
  readonly playerId: string;
  /** The verified X-Timestamp. */
  readonly signedAt: number;
}
export interface AdminPrincipal {
  readonly kind: 'admin';
}
export interface StaffPrincipal {
  readonly kind: 'staff';
  readonly staffId: string;
  readonly role: string;
}

/** Types of a table entry, inferred from its `auth` and zod schemas. */
type PrincipalOf<R> = R extends { auth: 'player' }
  ? PlayerPrincipal
  : R extends { auth: 'admin' }
    ? AdminPrincipal
    : R extends { auth: 'staff' | 'staff-award' }
      ? StaffPrincipal
      : null;
type BodyOf<R> = R extends { body: infer S extends z.ZodType } ? z.output<S> : undefined;
type HeadersOf<R> = R extends { headers: infer H extends Readonly<Record<string, z.ZodType>> }
  ? { readonly [K in keyof H]: z.output<H[K]> }
  : Record<string, never>;
type ParamsOf<R> = R extends { pathParams: infer P extends Readonly<Record<string, z.ZodType>> }
  ? { readonly [K in keyof P]: z.output<P[K]> }
  : Record<string, never>;

/** What the router hands a handler once SPEC 4's checks up to 415/400 have passed. */
export interface RouteInput<Id extends RouterOperationId> {
  readonly principal: PrincipalOf<RouteOf<Id>>;
  readonly body: BodyOf<RouteOf<Id>>;
  readonly params: ParamsOf<RouteOf<Id>>;
  readonly headers: HeadersOf<RouteOf<Id>>;
}
export type Respond<Id extends RouterOperationId> = (input: RouteInput<Id>, res: ApiResponse, req: ApiRequest) => Promise<void>;

/**
 * A player route's read-only work that starts in the same event-loop turn as the nonce's script (auth.ts: one
 * Redis write through auto-pipelining); its result counts only once the nonce is known to be fresh.
 */
export interface Prefetching<Id extends RouterOperationId> {
  prefetch(input: { playerId: string } & Parsed<Id>): Promise<Respond<Id>>;
}
export type RouteHandler<Id extends RouterOperationId> = Respond<Id> | (RouteOf<Id> extends { auth: 'player' } ? Prefetching<Id> : never);
/** One handler per `router` entry of the table: a missing one does not compile. */
export type RouteHandlers = { readonly [K in RouterOperationId]: RouteHandler<K> };

/** A prefetching handler: `respond` gets what `prefetch` read. */
export function prefetching<Id extends RouterOperationId, T>(
  prefetch: (input: { playerId: string } & Parsed<Id>) => Promise<T>,
  respond: (input: RouteInput<Id>, prefetched: T, res: ApiResponse, req: ApiRequest) => Promise<void>,
): Prefetching<Id> {
  return {
    prefetch: async (input) => {
      const prefetched = await prefetch(input);
      return (routeInput, res, req) => respond(routeInput, prefetched, res, req);
    },
  };
}

interface Parsed<Id extends RouterOperationId> {
  body: BodyOf<RouteOf<Id>>;
  params: ParamsOf<RouteOf<Id>>;
  headers: HeadersOf<RouteOf<Id>>;
}

/** A declared header's value (Node joins repeats of an unknown header with ", "). */
function headerValues(req: ApiRequest, declared: Readonly<Record<string, z.ZodType>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(declared)) {
    const v = req.headers[name.toLowerCase()];
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Registers every `router` entry of the table (./api-routes.ts) and applies SPEC 4's checks from it, in order:
 * (404/405: the fallback) → admission (503 `overloaded` at once past capacity, before the body is read; never on
 * admin routes) → body read raw, at most 64 KiB (413) → authentication by `auth` (401/403; signed
 * requests over the exact bytes read, the nonce spent once signature and timestamp verify; staff tokens with the
 * route's right) → path parameters, JSON body and declared headers by the entry's zod schemas (415/400) → the
 * handler, with typed `{principal, body, params, headers}`.
 */
export function createRouter(
  router: Router,
  auth: Pick<Auth, 'player' | 'admin' | 'staff'>,
  handlers: RouteHandlers,
  admission?: Admission,
) {
  const patterns: { method: Method; re: RegExp }[] = [];
  const runners = new Map<RouterOperationId, (req: ApiRequest, res: ApiResponse) => Promise<void>>();
  const toRegExp = (path: string) => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);

  function add<Id extends RouterOperationId>(id: Id, handler: RouteHandler<Id>): void {
    const route: ApiRoute = API_ROUTES[id];
    const path = expressPath(route.path);
    if (route.auth !== 'none' && route.auth !== 'player' && route.auth !== 'admin' && !isStaff(route.auth))
      throw new Error(`${id}: the router cannot authenticate ${route.auth}`);
    const paramsSchema = z.object(route.pathParams ?? {});
    const bodySchema = route.body;
    const headersSchema = route.headers ? z.object(route.headers) : undefined;
    const parse = (req: ApiRequest, raw: Buffer): Parsed<Id> => {
      const params = validate(paramsSchema, req.params);
      const body = bodySchema ? parseJsonBody(req, raw, bodySchema) : undefined;
      const headers = headersSchema ? validate(headersSchema, headerValues(req, route.headers ?? {})) : {};
      // The entry's own schemas parsed these values: their types are the entry's (TypeScript cannot follow a
      // generic entry through the conditional types above).
      return { params, body, headers } as Parsed<Id>;
    };
    const direct = typeof handler === 'function' ? handler : undefined;
    const shed = sheds(route);
    const kind = id === 'placeBet' ? 'bet' : 'other';
    if (!direct && route.auth !== 'player') throw new Error(`${id}: only a route signed by a player can prefetch`);

    const run = async (req: ApiRequest, res: ApiResponse): Promise<void> => {
      res.locals.route = path;
      const refused = admission?.admit(kind, shed, res);
      if (refused) throw refused;
      const raw = readsBody(route) ? await readRawBody(req) : Buffer.alloc(0);
      if (route.auth === 'player') {
        // Parsing starts after the signature and timestamp verify and counts only once the nonce is spent: a
        // replay is 401 whatever else is wrong with it.
        const { playerId, signedAt, alongside } = await auth.player(req, raw, async (player) => {
          const parsed = parse(req, raw);
          const respond = typeof handler === 'function' ? handler : await handler.prefetch({ playerId: player, ...parsed });
          return { parsed, respond };
        });
        const principal: PlayerPrincipal = { kind: 'player', playerId, signedAt };
        return alongside.respond({ principal, ...alongside.parsed } as RouteInput<Id>, res, req);
      }
      const principal =
        route.auth === 'admin'
          ? await auth.admin(req, raw)
          : isStaff(route.auth)
            ? await auth.staff(req, raw, route.auth === 'staff-award' ? 'award' : 'any')
            : null;
      if (!direct) throw new Error(`${id}: no handler`); // ruled out at registration
      return direct({ principal, ...parse(req, raw) } as RouteInput<Id>, res, req);
    };

    patterns.push({ method: route.method, re: toRegExp(path) });
    runners.set(id, run);
    if (route.method === 'GET') router.get(path, run);
    else router.post(path, run);
  }

  const register = <Id extends RouterOperationId>(id: Id) => add(id, handlers[id]);
  for (const id of ROUTER_OPERATIONS) register(id);

  return {
    /**
     * The route's checks and handler, for a caller that matched the route itself (the bet fast path): what the Express
     * router runs for it, to be given a request with `originalUrl`, `path`, `query` and `params` set.
     */
    runner(id: RouterOperationId): (req: ApiRequest, res: ApiResponse) => Promise<void> {
      const run = runners.get(id);
      if (!run) throw new Error(`${id}: not registered`);
      return run;
    },
    /** SPEC 4's first check: an unknown path is 404 `not_found`, a known path with another method 405 with `Allow`. */
    fallback() {
      return (req: ApiRequest, _res: ApiResponse, next: NextFunction) => {
        const known = patterns.filter((p) => p.re.test(req.path));
        if (known.length === 0) return next(new ApiError('not_found', `no route ${req.path}`));
        const allow = [...new Set(known.map((p) => p.method))].join(', ');
        next(new ApiError('method_not_allowed', `${req.method} is not allowed here`, undefined, { Allow: allow }));
      };
    },
  };
}
