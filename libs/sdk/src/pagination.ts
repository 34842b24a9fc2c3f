import { ArcaError } from './errors.js';
import type { Connection, Page, PageOptions } from './types.js';

export function toPage<T>(connection: Connection<T>): Page<T> {
  return { items: connection.edges.map((edge) => edge.node), pageInfo: connection.pageInfo };
}

/**
 * Walks a cursor-paginated list from `options.after`, yielding one page per request.
 * Stops with an error if the server claims more pages without advancing its cursor.
 */
export async function* paginate<T, O extends PageOptions>(
  options: O,
  fetchPage: (options: O) => Promise<Page<T>>,
): AsyncGenerator<Page<T>, void, undefined> {
  let after = options.after;
  for (;;) {
    const page = await fetchPage({ ...options, after });
    yield page;
    const { hasNextPage, endCursor } = page.pageInfo;
    if (!hasNextPage) return;
    if (!endCursor || endCursor === after) {
      throw new ArcaError(
        'INTERNAL_SERVER_ERROR',
        'the server reported more pages but its cursor did not advance',
      );
    }
    after = endCursor;
  }
}
