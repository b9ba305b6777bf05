// One error type crosses every boundary (HTTP, IPC, WebSocket, logs) as {code, message, details}.
// Catch `unknown`, normalise once with `toAppError`, and never throw anything else across a boundary.

export const APP_ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'INSUFFICIENT_STOCK',
  'KAFKA_UNAVAILABLE',
  'DB_ERROR',
  'BROKER_UNAVAILABLE',
  'POISON_MESSAGE',
  'CONFIG_ERROR',
  'PORT_IN_USE',
  'MISSING_TOOL',
  'TIMEOUT',
  'UNAUTHORIZED',
  'ALREADY_RUNNING',
  'INTERNAL',
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export interface AppErrorShape {
  code: AppErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toJSON(): AppErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Normalise anything thrown into an AppError; unknown errors become INTERNAL and keep their cause (and stack). */
export function toAppError(err: unknown, fallback: AppErrorCode = 'INTERNAL'): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error) return new AppError(fallback, err.message, undefined, { cause: err });
  return new AppError(fallback, String(err));
}
