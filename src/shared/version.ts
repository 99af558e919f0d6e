/** The tool's version (package.json's; a unit test keeps the two equal). */
export const APP_VERSION = '0.1.0';
