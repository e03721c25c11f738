/**
 * The application API of one process, on 127.0.0.1 by default (never meant for the open
 * network: it has no authentication). JSON in and out:
 *
 *   POST /requests            a request event, e.g. {"type":"broadcast","m":7} → 202
 *   GET  /indications?after=K indications with seq > K → {"indications":[{seq,time,indication}],"next":K'}
 *   GET  /events              the same as server-sent events (`id:` is the seq; resumes after
 *                             Last-Event-ID or ?after=K)
 *   GET  /status              id, role, peers, counters
 *   GET  /state               the replica's protocol variables
 *
 * Bad input gets a 4xx with {"error": "..."} saying what is wrong.
 *
 * An application built on the protocol's requests and indications (the replicated
 * key-value store of examples/kv, say) adds its own endpoints under a path prefix of its own
 * (`ApiApp`), served by the same server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Tagged } from '../replica/contract.js';
import type { ProcessHost } from './host.js';
import type { Logger } from './log.js';

const MAX_BODY = 64 * 1024;

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The JSON body of a request, or undefined after answering 415, 413 or 400 when it is not
 * JSON of at most MAX_BODY bytes.
 */
export async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type !== 'application/json') {
    send(res, 415, { error: `send the request as JSON with content-type application/json (got '${type || 'none'}')` });
    return undefined;
  }
  const body = await readBody(req);
  if (body === 'too-large') {
    send(res, 413, { error: `the body is larger than ${MAX_BODY} bytes` });
    return undefined;
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    send(res, 400, { error: `the body is not JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/** Endpoints an application adds under `prefix` (e.g. '/kv': '/kv' and '/kv/...'). */
export interface ApiApp {
  readonly prefix: string;
  /** Its endpoints, for the 404 message, e.g. 'GET|PUT|DELETE /kv/<key>'. */
  readonly endpoints: string;
  handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void>;
}

function parseAfter(value: string | null | undefined): number | undefined | 'bad' {
  if (value === null || value === undefined || value === '') return undefined;
  return /^\d+$/.test(value) ? Number(value) : 'bad';
}

export class ApiServer {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly host: ProcessHost, private readonly log: Logger, private readonly app?: ApiApp) {}

  async listen(port: number, address = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.log.log('error', 'api-error', { reason: String(error) });
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = (server.address() as { port: number }).port;
    this.log.log('info', 'api-listening', { address, port: bound });
    return bound;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const allow = (methods: string) => {
      if (methods.split(',').includes(req.method ?? '')) return true;
      res.setHeader('allow', methods);
      send(res, 405, { error: `${req.method ?? '?'} is not allowed on ${path} (allowed: ${methods})` });
      return false;
    };
    const app = this.app;
    if (app !== undefined && (path === app.prefix || path.startsWith(app.prefix + '/'))) return app.handle(req, res, path, url);
    switch (path) {
      case '/requests': {
        if (!allow('POST')) return;
        const value = await readJson(req, res);
        if (value === undefined) return;
        const problem = this.host.checkRequest(value);
        if (problem !== null) return send(res, 422, { error: problem });
        this.host.request(value as Tagged);
        return send(res, 202, { accepted: value });
      }
      case '/indications': {
        if (!allow('GET')) return;
        const after = parseAfter(url.searchParams.get('after'));
        if (after === 'bad') return send(res, 400, { error: "'after' must be a non-negative integer (the last seq you have)" });
        const list = this.host.indications.filter((r) => r.seq > (after ?? 0));
        return send(res, 200, { indications: list, next: this.host.indications.length });
      }
      case '/events': {
        if (!allow('GET')) return;
        const header = req.headers['last-event-id'];
        const after = parseAfter(url.searchParams.get('after') ?? (Array.isArray(header) ? header[0] : header));
        if (after === 'bad') return send(res, 400, { error: "'after' (or Last-Event-ID) must be a non-negative integer" });
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': rio indications\n\n');
        const write = (r: { seq: number }) => res.write(`id: ${r.seq}\nevent: indication\ndata: ${JSON.stringify(r)}\n\n`);
        for (const r of this.host.indications) if (r.seq > (after ?? 0)) write(r);
        const unsubscribe = this.host.subscribe(write);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        this.streams.add(res);
        req.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          this.streams.delete(res);
        });
        return;
      }
      case '/status':
        if (!allow('GET')) return;
        return send(res, 200, this.host.status());
      case '/state':
        if (!allow('GET')) return;
        return send(res, 200, { role: this.host.role ?? null, vars: this.host.replica.vars });
      default:
        return send(res, 404, { error: `no such endpoint '${path}' (endpoints: POST /requests, GET /indications, GET /events, GET /status, GET /state${app === undefined ? '' : `, ${app.endpoints}`})` });
    }
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.end();
    this.streams.clear();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}
