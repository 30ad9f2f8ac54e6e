/** The package version (a test checks it against package.json): sent as User-Agent, printed by --version. */
export const VERSION = '0.1.0';
