// One API call: the JSON body out, the JSON answer back, a KO turned into a typed error (spec §1.3–§1.12).
// The bytes travel through the one HTTP exchange (http.ts); no retry and no pacing here (governor.ts does
// both); no knowledge of endpoints beyond which answers are listings (their size cap).
import { BODY_CAPS, type BodyCap, type HttpExchange, jsonObject } from "./http.js";

/** Options of one call. */
export interface CallWireOptions {
  signal?: AbortSignal;
  method?: "GET" | "POST";
  /** False: no key (spec §7.2: `get_upload_server.cgi` takes none). Default true. */
  auth?: boolean;
  /** Answer fields holding a token URL, hidden in the trace (`download/get_token.cgi`'s `url`). */
  tokenFields?: readonly string[];
}

/** spec §2.1: listings hold 5,000 items at most; their answers get the listing cap. */
const LISTINGS = new Set(["file/ls.cgi", "folder/ls.cgi"]);

/**
 * The cap of an API endpoint's answer: the listing cap for listings, the API cap for the rest.
 * @example
 * ```ts
 * answerCap("folder/ls.cgi"); // BODY_CAPS.listing
 * ```
 */
export function answerCap(endpoint: string): BodyCap {
  return LISTINGS.has(endpoint) ? BODY_CAPS.listing : BODY_CAPS.api;
}

/**
 * Posts JSON to one API endpoint and returns the decoded OK body, or throws the classified error
 * (spec §1.3–§1.12: KO can come with 2xx or an error status; check both).
 *
 * @example
 * ```ts
 * const transport = new Transport(http);
 * const body = await transport.call("folder/ls.cgi", { folder_id: 0 });
 * ```
 */
export class Transport {
  constructor(private readonly http: HttpExchange) {}

  /** The API base URL, without a trailing slash. */
  get apiUrl(): string {
    return this.http.apiUrl;
  }

  /**
   * Calls `<apiUrl>/<endpoint>`.
   * @example
   * ```ts
   * const body = await transport.call("user/info.cgi", {});
   * ```
   */
  async call(
    endpoint: string,
    body: Record<string, unknown> | undefined,
    opts: CallWireOptions = {},
  ): Promise<Record<string, unknown>> {
    const method = opts.method ?? "POST";
    const answer = await this.http.exchange({
      endpoint,
      url: `${this.http.apiUrl}/${endpoint}`,
      method,
      // spec §1.3: every client sends this content type, even without a body.
      headers: { accept: "application/json", "content-type": "application/json" },
      ...(method === "POST" ? { json: body ?? {} } : {}),
      auth: opts.auth !== false,
      cap: answerCap(endpoint),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.tokenFields ? { tokenFields: opts.tokenFields } : {}),
    });
    const obj = jsonObject(answer);
    const ko = typeof obj?.status === "string" && obj.status.toUpperCase() === "KO";
    if (answer.status >= 200 && answer.status < 300 && answer.parsed && !ko) {
      return obj ?? { value: answer.json };
    }
    throw this.http.failure(answer);
  }
}
