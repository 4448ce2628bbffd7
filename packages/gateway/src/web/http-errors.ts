import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ZodType } from 'zod';
import type { ApiError } from '@camgate/protocol';
import { ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { DatabaseUnavailableError } from '../store/outbox.ts';

/** An API answer other than 2xx, with the offending field when there is one. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Parses `value` with a zod schema; a failure becomes a 400 naming the first bad field. */
export function parseBody<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0]!;
  const error = new HttpError(400, first.path ? `${first.path}: ${first.message}` : first.message, first.path || undefined);
  Object.assign(error, { issues });
  throw error;
}

/**
 * The answer to a Store: 200 once written; 202 while the database is unreachable (held on
 * this node and shared, written by the outbox when the server is back).
 */
export function storedStatus(databaseReachable: boolean): 200 | 202 {
  return databaseReachable ? 200 : 202;
}

/** Wraps an async route so rejections reach the error handler. */
export function route(handler: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(next);
  };
}

export function errorHandler(logger: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    let status = 500;
    let body: ApiError = { error: 'internal error' };
    if (error instanceof HttpError) {
      status = error.status;
      body = { error: error.message, ...(error.field ? { field: error.field } : {}) };
      const issues = (error as { issues?: ApiError['issues'] }).issues;
      if (issues) body.issues = issues;
    } else if (error instanceof ValidationError) {
      status = 400;
      body = { error: error.message, field: error.field };
    } else if (error instanceof DatabaseUnavailableError) {
      status = 503;
      body = { error: error.message };
    } else if (isBodyParserError(error)) {
      status = error.status;
      body = { error: error.type === 'entity.too.large' ? 'request body too large' : 'malformed request body' };
    } else {
      logger.error({ err: error }, 'api request failed');
    }
    res.status(status).json(body);
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error && typeof (error as { status: unknown }).status === 'number';
}
