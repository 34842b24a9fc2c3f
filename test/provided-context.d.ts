// Values that test/global-setup.ts hands to every test file through vitest's `inject()`.
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the shared test database (contains a password: never log it). */
    databaseAdminUrl: string;
    /** URL for the unprivileged `arca_app` role (contains a password: never log it). */
    databaseAppUrl: string;
  }
}
