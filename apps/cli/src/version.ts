export const CLI_VERSION = '0.1.0';
export const USER_AGENT = `arca-cli/${CLI_VERSION}`;
