/**
 * The one place where a failure of the client, the index or the transfer layer becomes a {@link BackendError}
 * (whose kind the layer maps to a status in src/serve/status.ts): not found 404, a name taken 412/405, a
 * refused name or a password-protected file 403, flood protection 503 with `Retry-After`, the service or the
 * network 502. Messages go to the client and the log: they are redacted, and carry no hint meant for the CLI.
 */
import {
  AccountLockedError,
  AuthError,
  ConflictError,
  EntitlementError,
  FloodError,
  InvalidNameError,
  isFichierError,
  NotAllowedError,
  NotFoundError,
} from "../../api/errors.js";
import { redact } from "../../redact.js";
import { WrongKindError } from "../../remote-index/errors.js";
import { UploadRefusedError } from "../../transfer/errors.js";
import { BackendError, isBackendError } from "../backend.js";

/**
 * The backend form of `e`, met while doing `what` (a served path, for the message). Errors that are not the
 * service's (a bug) are returned unchanged: the layer answers 500 and logs them.
 *
 * @example
 * try { await client.files.remove([url]); } catch (e) { throw toBackendError(e, "/a.txt", Date.now()); }
 */
export function toBackendError(e: unknown, what: string, now: number = Date.now()): unknown {
  if (isBackendError(e)) return e;
  if (!isFichierError(e)) return e;
  const said = `${what}: ${redact(e.message)}`;
  // A path through a file (`/a.txt/b`) names nothing that exists.
  if (e instanceof WrongKindError || e instanceof NotFoundError) return new BackendError("not-found", said);
  if (e instanceof ConflictError) return new BackendError("exists", said);
  if (e instanceof UploadRefusedError) return new BackendError("forbidden", `${what}: ${redact(e.message)}`);
  if (e instanceof InvalidNameError)
    return new BackendError("forbidden", `${said} (1fichier refuses this name)`);
  if (e instanceof NotAllowedError)
    return new BackendError("forbidden", `${said} (a password or an access list protects it)`);
  if (e instanceof EntitlementError)
    return new BackendError("forbidden", `${said} (a premium account is needed)`);
  if (e instanceof FloodError) {
    return new BackendError("busy", `${what}: 1fichier asks to wait (flood protection)`, {
      retryAfterMs: Math.max(1000, e.unlockAt - now),
    });
  }
  if (e instanceof AccountLockedError) {
    return new BackendError("busy", `${what}: 1fichier has locked the account for a while`, {
      retryAfterMs: e.retryAfterMs ?? 60_000,
    });
  }
  if (e instanceof AuthError) return new BackendError("upstream", `${what}: 1fichier refused the API key`);
  return new BackendError("upstream", said);
}

/**
 * Runs `fn`, turning what it throws into a backend error about `what`.
 *
 * @example
 * const view = await backendCall("/films", () => index.list(id));
 */
export async function backendCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toBackendError(e, what);
  }
}
