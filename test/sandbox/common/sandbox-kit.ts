import express, { type Express, type Request, type RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults';
import { WriteJournal } from './journal';
import { OAuthTokenStore } from './oauth';
import { createRng } from './prng';
import type {
  FaultConfig,
  RequestLogEntry,
  RunningSandbox,
  SandboxCredentials,
  SandboxOptions,
  SeedPerson,
} from './sandbox.types';
import { seedPeople } from './seed-data';

type Vendor = RunningSandbox['vendor'];

export class RequestLog {
  private readonly list: RequestLogEntry[] = [];
  private seq = 0;

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.list.push({ seq: ++this.seq, ...entry });
  }

  entries(filter: { pathIncludes?: string; method?: string } = {}): RequestLogEntry[] {
    return this.list.filter(
      (entry) =>
        (filter.pathIncludes === undefined || entry.path.includes(filter.pathIncludes)) &&
        (filter.method === undefined || entry.method === filter.method.toUpperCase()),
    );
  }

  clear(): void {
    this.list.length = 0;
  }
}

export interface SandboxKit {
  vendor: Vendor;
  options: SandboxOptions;
  rng: () => number;
  journal: WriteJournal;
  requests: RequestLog;
  tokens: OAuthTokenStore;
  /** Seed people present in this vendor (duplicates are NOT expanded: see SeedPerson.duplicateIn). */
  people: SeedPerson[];
  faults: FaultInjector;
  requestLogger(credentialOf: (req: Request) => string | undefined): RequestHandler;
}

export function createSandboxKit(
  vendor: Vendor,
  options: SandboxOptions,
  defaults: { tokenTtlSeconds: number },
): SandboxKit {
  const seed = options.seed === false ? 0 : (options.seed ?? 1);
  const rng = createRng(seed * 7919 + vendor.length);
  const requests = new RequestLog();
  const people =
    options.seed === false
      ? []
      : seedPeople(seed, options.people ?? 1000).filter((person) => person.presentIn.includes(vendor));
  return {
    vendor,
    options,
    rng,
    journal: new WriteJournal(),
    requests,
    tokens: new OAuthTokenStore({
      ttlSeconds: options.tokenTtlSeconds ?? defaults.tokenTtlSeconds,
      rotateRefreshTokens: options.rotateRefreshTokens ?? false,
      prefix: vendor.slice(0, 2),
    }),
    people,
    faults: new FaultInjector(options.faults ?? {}, rng),
    requestLogger: (credentialOf) => (req, res, next) => {
      const at = new Date().toISOString();
      let logged = false;
      const log = (): void => {
        // originalUrl, not path: a router mounted at a prefix has stripped it by the time the response finishes.
        const path = req.originalUrl.split('?')[0] ?? req.path;
        if (logged || path.startsWith('/__sandbox')) {
          return;
        }
        logged = true;
        const credential = credentialOf(req);
        requests.add({
          at,
          method: req.method,
          path,
          query: { ...(req.query as Record<string, unknown>) },
          ...(credential === undefined ? {} : { credential }),
          status: res.writableFinished ? res.statusCode : 0,
        });
      };
      res.on('finish', log);
      res.on('close', log);
      next();
    },
  };
}

/** JSON-safe fault patch: RegExp and numbers keyed by status come over HTTP from `npm run sandbox` users. */
function parseFaultPatch(body: Record<string, unknown>): Partial<FaultConfig> {
  const patch = { ...body } as Partial<FaultConfig> & { pathFilter?: unknown };
  if (typeof body.pathFilter === 'string') {
    patch.pathFilter = new RegExp(body.pathFilter);
  }
  return patch;
}

export async function listenSandbox(
  app: Express,
  kit: SandboxKit,
  info: {
    credentials: (baseUrl: string) => SandboxCredentials;
    settings: (baseUrl: string) => Record<string, string>;
  },
): Promise<RunningSandbox> {
  const outer = express();
  outer.disable('x-powered-by');
  // Control routes for tests, the demo and humans; mounted ahead of the vendor API so no vendor catch-all hides them.
  const control = express.Router();
  control.use(express.json());
  control.get('/journal', (req, res) => {
    res.json(kit.journal.entries(req.query));
  });
  control.get('/requests', (req, res) => {
    res.json(kit.requests.entries(req.query));
  });
  control.put('/faults', (req, res) => {
    kit.faults.set(parseFaultPatch((req.body ?? {}) as Record<string, unknown>));
    res.json({ ...kit.faults.config, pathFilter: kit.faults.config.pathFilter?.source });
  });
  control.delete('/faults', (_req, res) => {
    kit.faults.reset();
    res.status(204).end();
  });
  control.post('/expire-tokens', (_req, res) => {
    kit.tokens.expireAll();
    res.status(204).end();
  });
  outer.use('/__sandbox', control);
  outer.use(app);

  const server = outer.listen(kit.options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    vendor: kit.vendor,
    baseUrl,
    credentials: info.credentials(baseUrl),
    settings: info.settings(baseUrl),
    journal: kit.journal,
    requests: kit.requests,
    faults: {
      set: (patch) => kit.faults.set(patch),
      reset: () => kit.faults.reset(),
      rejectedRecordKeys: () => kit.faults.rejectedKeys(),
    },
    expireAllTokens: () => kit.tokens.expireAll(),
    revokeRefreshToken: (token) => kit.tokens.revoke(token),
    tokenRefreshCount: () => kit.tokens.refreshCount(),
    stop: () =>
      new Promise<void>((resolve) => {
        // Hung requests (the hang fault) would otherwise keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
