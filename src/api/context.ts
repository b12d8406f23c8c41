// What every endpoint group receives from createClient: one way to make a paced, typed API call.
import type { z } from "zod";
import { FichierError } from "./errors.js";
import type { Governor } from "./governor.js";
import type { HttpExchange } from "./http.js";

export interface CallOptions {
  signal?: AbortSignal;
  /** Cache the answer for the endpoint's spacing interval (user info, listings). */
  cache?: boolean;
  fresh?: boolean;
  /** False: never re-sent automatically. */
  idempotent?: boolean;
  method?: "GET" | "POST";
  auth?: boolean;
  /** Answer fields holding a token URL, hidden in the --debug trace (`download/get_token.cgi`'s `url`). */
  tokenFields?: readonly string[];
  /**
   * Told the time each attempt leaves, after the governor's wait: a listing that waited 28 s for its slot shows
   * the account as it was when it was sent, not when it was asked for (the index stamps it so).
   */
  onSent?: (at: number) => void;
}

/** Shared by the endpoint groups; built once per client. */
export interface ClientContext {
  /** Paced, retried, decoded and validated API call. */
  call<S extends z.ZodType>(
    endpoint: string,
    body: Record<string, unknown> | undefined,
    schema: S,
    opts?: CallOptions,
  ): Promise<z.output<S>>;
  /** The one HTTP exchange: website reads, the upload node, raw transfers. */
  http: HttpExchange;
  governor: Governor | undefined;
  apiUrl: string;
  webUrl: string;
  /** `https:` or `http:`, from apiUrl; the upload node scheme follows it (DECISIONS.md "Transfers"). */
  scheme: string;
  now: () => number;
  /** Combines the client-wide signal with a call's own. */
  signal(own?: AbortSignal): AbortSignal | undefined;
  /**
   * The client changed something: drop cached listings; forget learnt paths when folders moved or went
   * away; record a created folder.
   */
  mutated(kind: "files" | "folders"): void;
  mutated(kind: "folder-created", folder: { parentId: number; id: number; name: string }): void;
}

/**
 * Validates a decoded body with a schema; a mismatch is an API change or a bug, reported with the
 * endpoint and the first issue (never the body, which may hold private data).
 * @example
 * ```ts
 * const info = parseWith(userInfoSchema, body, "user/info.cgi");
 * ```
 */
export function parseWith<S extends z.ZodType>(schema: S, body: unknown, endpoint: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "(body)";
  throw new FichierError(`${endpoint}: unexpected answer shape at ${where}: ${issue?.message ?? "invalid"}`, {
    endpoint,
    retryable: false,
    hint: "1fichier's answer changed shape: update fichier, or report it with the output of --debug.",
  });
}
