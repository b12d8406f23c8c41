/**
 * The one-line summary of every command, for the top-level help: `fichier --help` (and a bare `fichier`, or
 * an unknown command) print the list from this table without importing the command modules, which costs
 * a third of a second and ~35 MiB. Each module takes its description from here; a test checks that the list
 * printed from this table is the one printed with every module loaded.
 */

/** A command's term in the list (name, alias, `[options]`, arguments) and its description. */
export interface CommandSummary {
  term: string;
  description: string;
}

/**
 * Every command's summary, by name, in the order of `COMMANDS` (program.ts).
 * @example
 * SUMMARIES.ls.description; // "list a folder (path or id), a file URL, or a public share URL"
 */
export const SUMMARIES = {
  about: {
    term: "about|whoami",
    description: "account e-mail, offer, subscription end, storage, CDN credits, quota flags (cached 5 min)",
  },
  ls: {
    term: "ls [options] [target]",
    description: "list a folder (path or id), a file URL, or a public share URL",
  },
  tree: {
    term: "tree [options] [path]",
    description: "folders and files as a tree",
  },
  info: {
    term: "info [options] <target...>",
    description: "everything 1fichier says about files (file/info.cgi)",
  },
  upload: {
    term: "upload [options] <path...>",
    description: "upload files and folder trees, verified by Whirlpool; reruns never make duplicates",
  },
  download: {
    term: "download [options] <target...>",
    description: "download files, folders (recursively) and public shares, resumable and verified",
  },
  cat: {
    term: "cat [options] <target>",
    description: "write a file's bytes to stdout (for pipes and players: fichier cat URL | mpv -)",
  },
  sync: {
    term: "sync [options] <src> <dst>",
    description: "make a folder on 1fichier like a local one, or the reverse (--delete, filters, --dry-run)",
  },
  check: {
    term: "check [options] <src> <dst>",
    description: "compare a local folder and one on 1fichier by size and Whirlpool (exit 1 when they differ)",
  },
  mkdir: {
    term: "mkdir [options] <path>",
    description: "create a folder",
  },
  rmdir: {
    term: "rmdir [options] <path>",
    description: "delete a folder (empty, or with -r everything in it after confirmation)",
  },
  rm: {
    term: "rm [options] <target...>",
    description: "delete files (more than one asks, or needs --yes)",
  },
  mv: {
    term: "mv <args...>",
    description: "move (and rename) files and folders on the server",
  },
  cp: {
    term: "cp [options] <args...>",
    description: "copy files and folders on the server (a copy gets a new URL)",
  },
  rename: {
    term: "rename <target> <name>",
    description: "rename a file or a folder in place",
  },
  attr: {
    term: "attr [options] <target...>",
    description: "change file attributes: password, description, inline, CDN, access rules",
  },
  share: {
    term: "share [options] <path>",
    description: "share a folder: print its public /dir/ link, or share it with registered users",
  },
  link: {
    term: "link [options] <target>",
    description: "print a direct link (inline, seekable) for a player or a browser, with its expiry",
  },
  play: {
    term: "play [options] <target>",
    description: "stream a file in mpv or VLC (a fresh direct link, handed over at once)",
  },
  remote: {
    term: "remote",
    description: "remote upload: 1fichier fetches URLs into your account",
  },
  key: {
    term: "key",
    description: "the API key: set, status, check, rotate, forget, scan for leaks (docs/keys.md)",
  },
  doctor: {
    term: "doctor",
    description: "check configuration, key, connectivity, clock, account and rate-limit state",
  },
  serve: {
    term: "serve",
    description: "serve a folder over WebDAV (a network drive) or HTTP (players, browsers)",
  },
  gateway: {
    term: "gateway [options]",
    description: "serve the API to clients holding scoped, revocable tokens; the key stays here",
  },
  emulator: {
    term: "emulator [options]",
    description: "run a local 1fichier emulator (API, uploads, downloads, website, console) until Ctrl-C",
  },
  demo: {
    term: "demo [options]",
    description:
      "quick start: `fichier --emulator upload` then `download` of a 32 MiB file, byte-identity check",
  },
  completion: {
    term: "completion <shell>",
    description: "print the shell completion script (bash, zsh or fish)",
  },
} as const satisfies Record<string, CommandSummary>;
