import { merkleRoot, type Hash, type NodeSource } from '@arca/transparency';
import type { AuditRepository } from './audit.repository.js';

const TILE = 256;
/** Heights whose hashes are stored: leaves (level 0, audit_entries) and every 8th level (audit_nodes). */
const STORED_EVERY = 8;

/**
 * Node hashes of one tenant's tree read from the database in tiles of 256 stored hashes (like C2SP tlog-tiles):
 * a node at height h is combined from at most 128 stored hashes at height h − (h mod 8). Tiles are cached for the
 * life of the source (one request or one export), so a batch of proofs reads each tile once. The caller holds the
 * tenant's transaction open; only complete subtrees are ever asked for.
 */
export class DbNodeSource implements NodeSource {
  private readonly tiles = new Map<string, Promise<Uint8Array[]>>();

  constructor(
    private readonly repo: AuditRepository,
    private readonly tenantId: string,
  ) {}

  async node(level: number, index: number): Promise<Hash> {
    const base = level - (level % STORED_EVERY);
    const width = 2 ** (level - base);
    const first = index * width;
    const tile = await this.tile(base, Math.floor(first / TILE));
    const offset = first % TILE;
    const row = tile.slice(offset, offset + width);
    if (row.length !== width) throw new Error(`audit tree node (${level}, ${index}) is not stored`);
    return merkleRoot(row); // a perfect subtree of `width` stored hashes
  }

  private tile(level: number, tileIndex: number): Promise<Uint8Array[]> {
    const key = `${level}/${tileIndex}`;
    let tile = this.tiles.get(key);
    if (!tile) {
      const from = BigInt(tileIndex * TILE);
      const to = from + BigInt(TILE);
      tile =
        level === 0
          ? this.repo.leafHashes(this.tenantId, from, to)
          : this.repo.nodes(this.tenantId, level, from, to);
      this.tiles.set(key, tile);
    }
    return tile;
  }
}
