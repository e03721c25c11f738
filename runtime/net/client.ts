/**
 * A typed client for the HTTP API of a running `rio start` process (package export
 * `replica-io/client`). Give it the protocol's request and indication types (the generated
 * module exports them) to have requests and indications checked by the TypeScript compiler:
 *
 * ```ts
 * import { RioClient } from 'replica-io/client';
 * const client = new RioClient<{ type: 'broadcast'; m: number }, { type: 'deliver'; m: number }>('http://127.0.0.1:8400');
 * await client.request({ type: 'broadcast', m: 7 });
 * for await (const record of client.stream()) console.log(record.indication.m);
 * ```
 */

export interface IndicationRecord<I> {
  readonly seq: number;
  readonly time: string;
  readonly indication: I;
}

/** A 4xx or 5xx answer from the process, with its message. */
export class RioApiError extends Error {
  override readonly name = 'RioApiError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Any event: a type and fields (the default when the protocol's types are not given). */
export type AnyEvent = { readonly type: string; readonly [field: string]: unknown };

export class RioClient<Req extends { readonly type: string } = AnyEvent, Ind extends { readonly type: string } = AnyEvent> {
  constructor(readonly baseUrl: string) {}

  private async call<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), init);
    const body = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new RioApiError(res.status, body.error ?? res.statusText);
    return body;
  }

  /** Submits a request event at this process. */
  async request(request: Req): Promise<void> {
    await this.call('/requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  }

  /** The indications with seq greater than `after`, and the seq to ask after next. */
  indications(after = 0): Promise<{ indications: IndicationRecord<Ind>[]; next: number }> {
    return this.call(`/indications?after=${after}`);
  }

  status(): Promise<Record<string, unknown>> {
    return this.call('/status');
  }

  /** The replica's protocol variables (for inspection and tests). */
  state(): Promise<{ role: string | null; vars: Record<string, unknown> }> {
    return this.call('/state');
  }

  /** Indications as they happen (server-sent events), starting after `after`. */
  async *stream(after = 0, signal?: AbortSignal): AsyncGenerator<IndicationRecord<Ind>> {
    const res = await fetch(new URL(`/events?after=${after}`, this.baseUrl), signal === undefined ? {} : { signal });
    if (!res.ok || res.body === null) throw new RioApiError(res.status, `cannot open the event stream (${res.status})`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data !== '') yield JSON.parse(data) as IndicationRecord<Ind>;
      }
    }
  }

  /** Polls until `predicate` holds for the indications seen so far, or `timeoutMs` passes. */
  async waitFor(predicate: (all: readonly IndicationRecord<Ind>[]) => boolean, timeoutMs: number, pollMs = 50): Promise<IndicationRecord<Ind>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { indications } = await this.indications(0);
      if (predicate(indications)) return indications;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for indications at ${this.baseUrl} (have ${JSON.stringify(indications.map((r) => r.indication))})`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
