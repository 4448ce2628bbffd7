import { readFileSync } from 'node:fs';
import { CamerasFileSchema, type CamerasFile } from '@camgate/protocol';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../core/errors.ts';

/**
 * Reads the fleet file (`--cameras cameras.json` or `.yaml`/`.yml`) and checks it with the
 * same zod schemas as the REST API. A bad file throws a ValidationError naming the camera
 * (its id, else its position) and the field, so start-up stops with a line that says what to fix.
 */
export function readCamerasFile(path: string): CamerasFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError('--cameras', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ValidationError('--cameras', `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const parsed = CamerasFileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const [, index, ...field] = issue.path;
  const entry = typeof index === 'number' ? (value as { cameras: { id?: unknown }[] }).cameras[index] : undefined;
  const camera = typeof index === 'number' ? `camera ${typeof entry?.id === 'string' ? `"${entry.id}"` : `#${index + 1}`}` : 'cameras';
  throw new ValidationError('--cameras', `${path}: ${camera}${field.length ? `, field ${field.join('.')}` : ''}: ${issue.message}`);
}
