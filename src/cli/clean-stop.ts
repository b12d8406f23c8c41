/**
 * Whether the running command stops cleanly on Ctrl-C right now: `upload` and `download` say so while their
 * transfer listens for SIGINT (it aborts the requests and keeps its journal). Before that (resolving the key
 * or the folder), main ends the run at once instead of waiting for a clean stop nobody will make.
 */
let listening = 0;

/**
 * Hands the next SIGINT to `onSigint` and tells main that a clean stop will follow; returns the undo.
 *
 * @example
 * const stopListening = listenForCleanStop(() => ac.abort(new Error("interrupted")));
 * try { await uploadTree(client, { ...options, signal: ac.signal }); } finally { stopListening(); }
 */
export function listenForCleanStop(onSigint: () => void): () => void {
  process.once("SIGINT", onSigint);
  listening++;
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    listening--;
    process.removeListener("SIGINT", onSigint);
  };
}

/**
 * True while a transfer listens for SIGINT.
 *
 * @example
 * if (!cleanStopListening()) process.exit(130);
 */
export function cleanStopListening(): boolean {
  return listening > 0;
}
