import type pg from 'pg';
import { CredentialRejectedError, DbUnavailableError, isUnavailable } from './db-errors.js';
import type { DeferredOpening } from './pg-transaction.js';

/** SQLSTATE raised by arca_recheck_api_key (migrations 20261128010000_api_key_recheck, …030000_…_one_query). */
const CREDENTIAL_CHANGED = 'AR001';

/** Postgres refused a credential re-check: the credential changed. */
export function isCredentialRefusal(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === CREDENTIAL_CHANGED;
}

/**
 * The re-check of a cached credential, for one request (Db.deferCheck, ADR 0011). Until one check has gone
 * through, every transaction the request opens for the credential's tenant carries it in its opening; any
 * other transaction, and the response itself, first runs it on its own. Once refused, the whole request is.
 */
export class CredentialCheck {
  private state: 'unconfirmed' | 'confirmed' | 'rejected' = 'unconfirmed';

  /** `statement`: one SQL statement that raises AR001 unless the credential is unchanged. */
  constructor(
    readonly tenantId: string,
    private readonly statement: string,
    private readonly onRejected: () => void,
  ) {}

  get confirmed(): boolean {
    return this.state === 'confirmed';
  }

  /** The opening of a transaction that carries the check. */
  opening(): DeferredOpening {
    return {
      sql: `BEGIN; ${this.statement}`,
      confirmed: () => this.confirm(),
      rejected: () => this.reject(),
    };
  }

  /** Throws CredentialRejectedError once the check has been refused. */
  assertNotRejected(): void {
    if (this.state === 'rejected') throw new CredentialRejectedError();
  }

  /** Runs the check on its own (one autocommit statement) unless it has already been settled. */
  async settle(pool: pg.Pool): Promise<void> {
    this.assertNotRejected();
    if (this.state === 'confirmed') return;
    try {
      await pool.query(this.statement);
    } catch (error) {
      if (isCredentialRefusal(error)) {
        this.reject();
        throw new CredentialRejectedError();
      }
      throw isUnavailable(error) ? new DbUnavailableError(error) : error;
    }
    this.confirm();
  }

  /** A refusal wins over any confirmation (a later check saw the credential change). */
  private confirm(): void {
    if (this.state === 'unconfirmed') this.state = 'confirmed';
  }

  private reject(): void {
    if (this.state === 'rejected') return;
    this.state = 'rejected';
    this.onRejected();
  }
}
