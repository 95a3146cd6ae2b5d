/** This package's version, as SERVER_SOFTWARE says it (a test holds it to package.json's). */
export const VERSION = "0.1.0";
