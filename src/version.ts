// The package version, in a module of its own so the command line can print it without loading the library.
/** fichier's version, as in package.json. @example console.log(VERSION); // "0.1.0" */
export const VERSION = "0.1.0";
