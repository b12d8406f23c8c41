/**
 * The safety rules of `fichier serve`, as pure checks the command runs before it listens: where it listens
 * (`--addr`), and that anything reachable from another machine asks for a password. Each failure is a
 * {@link ServeConfigError} whose message names the cause and whose `hint` names the fix (exit 2).
 */

/** An unsafe or malformed setup; the command refuses to start. */
export class ServeConfigError extends Error {
  override readonly name = "ServeConfigError";
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** Where to listen. */
export interface ListenAddress {
  host: string;
  port: number;
  /** True for 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
  loopback: boolean;
}

/**
 * Parses `--addr`: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` for every interface (as rclone). Port 0 picks a free
 * one.
 *
 * @example
 * parseAddr("127.0.0.1:8080"); // { host: "127.0.0.1", port: 8080, loopback: true }
 * parseAddr(":8080"); // { host: "0.0.0.0", port: 8080, loopback: false }
 */
export function parseAddr(addr: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(addr.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new ServeConfigError(
      `--addr "${addr}" is not HOST:PORT`,
      "give e.g. --addr 127.0.0.1:8080, --addr [::1]:8080, or --addr :8080 for every interface",
    );
  }
  const host = m[1] ?? (m[2] === "" ? "0.0.0.0" : (m[2] as string));
  return { host, port, loopback: isLoopback(host) };
}

/**
 * True when only this machine can reach `host`.
 *
 * @example
 * isLoopback("127.0.0.2"); // true
 * isLoopback("192.168.1.5"); // false
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return (
    h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h)
  );
}

/** How the password is given, as the options say. */
export interface AccessOptions {
  user?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
  htpasswd?: string;
  cert?: string;
  key?: string;
  /** The API key is read from stdin too (`--api-key-stdin`): stdin cannot carry both. */
  apiKeyStdin?: boolean;
}

/**
 * Refuses option sets that make no sense or are unsafe: a non-loopback address without `--user` or
 * `--htpasswd`, both at once, a password option without `--user`, two password sources, `--cert` without
 * `--key` (or the reverse).
 *
 * @example
 * checkAccess(parseAddr("0.0.0.0:8080"), {}); // throws: a password is needed
 */
export function checkAccess(addr: ListenAddress, o: AccessOptions): void {
  const passwordOption = o.passwordStdin
    ? "--password-stdin"
    : o.passwordFile !== undefined
      ? "--password-file"
      : undefined;
  if (o.user !== undefined && o.htpasswd !== undefined) {
    throw new ServeConfigError("--user and --htpasswd cannot be used together", "keep one of them");
  }
  if (passwordOption && o.user === undefined) {
    throw new ServeConfigError(
      `${passwordOption} needs --user NAME`,
      "add --user NAME, or drop the password option",
    );
  }
  if (o.passwordStdin && o.passwordFile !== undefined) {
    throw new ServeConfigError(
      "--password-stdin and --password-file cannot be used together",
      "keep one of them",
    );
  }
  if (o.passwordStdin && o.apiKeyStdin) {
    throw new ServeConfigError(
      "--password-stdin and --api-key-stdin both read stdin",
      "give the password with --password-file, or the key from the keychain or FICHIER_API_KEY",
    );
  }
  if ((o.cert === undefined) !== (o.key === undefined)) {
    throw new ServeConfigError(
      "--cert and --key go together",
      "give both the certificate and its private key (PEM files)",
    );
  }
  if (!addr.loopback && o.user === undefined && o.htpasswd === undefined) {
    throw new ServeConfigError(
      `--addr ${addr.host}:${addr.port} can be reached from other machines, and no password protects it`,
      "add --user NAME (the password from the prompt, --password-stdin or --password-file) or --htpasswd FILE, or listen on 127.0.0.1",
    );
  }
}
