// The service's base URLs, in a module of their own so that code which only needs them (the command's
// start-up) does not load the client and its dependencies.

/** The real API (spec §1.1). */
export const DEFAULT_API_URL = "https://api.1fichier.com/v1";
/** The real website (spec §3.4). */
export const DEFAULT_WEB_URL = "https://1fichier.com";
