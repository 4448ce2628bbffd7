/** A value a statement binds: BLOBs are Buffers (SQLite BLOB, PostgreSQL bytea). */
export type SqlValue = string | number | null | Buffer;

export type Dialect = 'sqlite' | 'postgres';

/** A statement whose text differs by dialect (see dialect.ts); most are one string for both. */
export type Sql = string | Readonly<Record<Dialect, string>>;

/** Runs statements with `?` placeholders; every answer is a Promise, whichever the back end. */
export interface SqlExecutor {
  all<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Resolves to the number of rows changed. */
  run(sql: Sql, params?: readonly SqlValue[]): Promise<number>;
}

/** Reachability of the database server, for /api/health and the camera status. */
export interface DatabaseHealth {
  reachable: boolean;
  /** Why it is not reachable (the last connection error); null while reachable. */
  error: string | null;
}

/** One database connection (pool) behind the repositories: SQLite file or PostgreSQL server. */
export interface SqlDatabase extends SqlExecutor {
  readonly dialect: Dialect;
  /** Runs `work` in one transaction: it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** A connection error worth retrying (server down or restarting), not a fault of the statement. */
  isTransient(error: unknown): boolean;
  health(): DatabaseHealth;
  /** Called whenever health() changes. */
  onHealthChange(listener: (health: DatabaseHealth) => void): void;
  close(): Promise<void>;
}

/** The text of `sql` for one dialect. */
export function sqlFor(sql: Sql, dialect: Dialect): string {
  return typeof sql === 'string' ? sql : sql[dialect];
}
