// The gateway's one way to 1fichier: every API call of every client goes through one Governor (pacing,
// spacing rules, flood pauses, retries, listing and account-info caches) and the client's one HTTP exchange
// (capped reads, the call deadline, the key only where it may go), with the real key the store holds now.
// A call that would wait longer than the client's patience (--max-wait) is not sent: the caller answers 429
// with Retry-After instead.
import type { FichierClient } from "../api/client.js";
import { AbortedError, AuthError, classifyFailure, type FichierError, FloodError } from "../api/errors.js";
import type { Clock, Governor } from "../api/governor.js";
import { type Answer, failedAnswer, jsonObject } from "../api/http.js";
import { answerCap } from "../api/transport.js";

/** An API answer as the client will get it: status, the headers worth passing on, the body text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The call would wait longer than allowed; `retryAfterMs` is the gateway's estimate of when to come back.
 * @example
 * if (e instanceof WaitTooLongError) sendKo(res, GatewayKo.busy(e.retryAfterMs));
 */
export class WaitTooLongError extends Error {
  override readonly name = "WaitTooLongError";
  constructor(readonly retryAfterMs: number) {
    super(`would wait about ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/**
 * 1fichier could not be reached (after the governor's retries).
 * @example
 * if (e instanceof UpstreamDownError) sendKo(res, GatewayKo.upstreamDown());
 */
export class UpstreamDownError extends Error {
  override readonly name = "UpstreamDownError";
}

/** Where the real key comes from; `refresh` re-reads the key store after 1fichier refused the key. */
export interface KeySource {
  current(): string;
  /** True when a different key was found (the call is then sent once more). */
  refresh(): Promise<boolean>;
}

/** A successful answer 1fichier really gave (not one served from the governor's cache). */
export interface UpstreamAnswer {
  endpoint: string;
  body: Record<string, unknown> | undefined;
  json: Record<string, unknown>;
  /** When the exchange began (ms, the governor's clock): the answer shows the account at or after it. */
  startedAt: number;
}

export interface UpstreamOptions {
  /** A client made with `governor`; only its one HTTP exchange (`http.exchange`) is used. */
  client: FichierClient;
  governor: Governor;
  /** The API base, e.g. `https://api.1fichier.com/v1`. */
  apiUrl: string;
  key: KeySource;
  /** The longest a client may wait in the queue. */
  maxWaitMs: number;
  clock: Clock;
  /** The governor's sustained rate (calls/s), for the Retry-After estimate. */
  rate: number;
  /** Told of every successful answer 1fichier gave (the gateway's index feeds on its listings). */
  onAnswer?: (a: UpstreamAnswer) => void;
}

/** What one forwarded call is. */
export interface UpstreamCall {
  method: "GET" | "POST";
  /** Parsed and checked body, sent re-serialised (what was checked is what is sent). */
  body: Record<string, unknown> | undefined;
  /** Serve from / store in the governor's cache (listings, bodiless account info). */
  cache?: boolean;
  /** Never re-sent by a retry. */
  once?: boolean;
  /** The client went away. */
  signal?: AbortSignal;
}

const PASSED_HEADERS = ["content-type", "retry-after"];

/** The answer as the client will get it: its status, the headers worth passing on, its text. */
function rawAnswer(a: Answer): RawAnswer {
  const headers: Record<string, string> = {};
  for (const h of PASSED_HEADERS) {
    const v = a.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? (v[0] ?? "") : v;
  }
  return { status: a.status, headers, body: a.text };
}

/** The failed answer behind an error thrown inside the governor, to hand it to the client as it came. */
const answers = new WeakMap<object, RawAnswer>();

/**
 * Forwards API calls under the shared governor.
 * @example
 * const up = new Upstream({ client, governor, apiUrl, key, maxWaitMs: 60_000, clock: systemClock, rate: 1 });
 * const answer = await up.call("folder/ls.cgi", { method: "POST", body: { folder_id: 0 }, cache: true });
 */
export class Upstream {
  private queued = 0;

  constructor(private readonly o: UpstreamOptions) {}

  /**
   * Sends one call; resolves with 1fichier's answer, success or KO, exactly as it came (a flood answer
   * excepted: that becomes a WaitTooLongError, since the governor waits floods out for everyone).
   * @throws WaitTooLongError, UpstreamDownError
   */
  async call(endpoint: string, c: UpstreamCall): Promise<RawAnswer> {
    const now = this.o.clock.now();
    const locked = this.o.governor.snapshot().lockedUntil - now;
    if (locked > this.o.maxWaitMs) throw new WaitTooLongError(locked);
    // The client's patience runs on the governor's clock (a test's virtual clock, or real time).
    const patience = new AbortController();
    const disarm = new AbortController();
    this.o.clock.sleep(this.o.maxWaitMs, disarm.signal).then(
      () => patience.abort(),
      () => {},
    );
    const signal = c.signal ? AbortSignal.any([patience.signal, c.signal]) : patience.signal;
    this.queued++;
    try {
      return await this.o.governor.run(
        {
          endpoint,
          ...(c.body ? { body: c.body } : {}),
          cache: c.cache === true,
          idempotent: c.once !== true,
          signal,
        },
        () => this.exchange(endpoint, c),
      );
    } catch (e) {
      const answer = typeof e === "object" && e !== null ? answers.get(e) : undefined;
      if (answer && !(e instanceof FloodError)) return answer;
      throw this.failure(e, c.signal?.aborted === true);
    } finally {
      disarm.abort();
      this.queued--;
    }
  }

  /** What a call without an answer to pass on becomes: a 429 estimate, an abort, or "unreachable". */
  private failure(e: unknown, clientGone: boolean): unknown {
    if (e instanceof FloodError) return new WaitTooLongError(Math.max(1000, e.unlockAt - this.o.clock.now()));
    if (e instanceof AbortedError) {
      if (clientGone) return e;
      // Out of patience: this client's, or that of the client whose identical listing this one was sharing
      // (the governor hands both the same call).
      return new WaitTooLongError(this.estimateMs());
    }
    return new UpstreamDownError((e as Error).message);
  }

  /** When to come back: the lock's end, or the time the queue ahead needs at the governor's rate. */
  private estimateMs(): number {
    const locked = this.o.governor.snapshot().lockedUntil - this.o.clock.now();
    return Math.max(1000, locked, (this.queued / this.o.rate) * 1000);
  }

  /** One HTTP exchange; a KO is thrown as the client's error class (so the governor can judge it). */
  private async exchange(endpoint: string, c: UpstreamCall, again = true): Promise<RawAnswer> {
    const startedAt = this.o.clock.now();
    const a = await this.o.client.http.exchange({
      endpoint,
      url: `${this.o.apiUrl}/${endpoint}`,
      method: c.method,
      // spec §1.3: every client sends this content type, even without a body.
      headers: { accept: "application/json", "content-type": "application/json" },
      ...(c.method === "POST" ? { json: c.body ?? {} } : {}),
      auth: true,
      key: this.o.key.current(),
      cap: answerCap(endpoint),
      ...(c.signal ? { signal: c.signal } : {}),
    });
    const json = jsonObject(a);
    const ko = typeof json?.status === "string" && json.status.toUpperCase() === "KO";
    if (a.status >= 200 && a.status < 300 && json !== undefined && !ko) {
      this.tell({ endpoint, body: c.body, json, startedAt });
      return rawAnswer(a);
    }
    const error: FichierError = classifyFailure(failedAnswer(a, this.o.clock.now()));
    // After `fichier key rotate` on this host the old key is refused: read the store again, send once more.
    if (error instanceof AuthError && again && (await this.o.key.refresh())) {
      return this.exchange(endpoint, c, false);
    }
    answers.set(error, rawAnswer(a));
    throw error;
  }

  private tell(a: UpstreamAnswer): void {
    try {
      this.o.onAnswer?.(a);
    } catch {
      // What feeds on answers is the gateway's own bookkeeping: it must not turn an answer into a failure.
    }
  }
}

/**
 * The JSON object of an answer, or undefined for HTML, text or a non-object.
 * @example
 * parseJson({ status: 200, headers: {}, body: '{"status":"OK"}' }); // { status: "OK" }
 */
export function parseJson(a: RawAnswer): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(a.body) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
