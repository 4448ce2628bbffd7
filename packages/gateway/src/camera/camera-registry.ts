import {
  CameraDefinitionSchema,
  CameraPatchSchema,
  type CameraDefinition,
  type CameraPatch,
} from '@camgate/protocol';
import type { ZodType } from 'zod';
import { InvalidStateError, ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { CameraRepository } from '../store/camera-repository.ts';

/** A running camera as the registry sees it: built by the gateway from a definition. */
export interface RunningCamera {
  readonly definition: CameraDefinition;
  /** The AOR of its provider registration, for routing the provider's calls to it. */
  readonly registrationAor: string | undefined;
  /** Name or SIP user changed: no restart, calls go on. */
  renamed(definition: CameraDefinition): void;
  /** Ends its calls (BYE), stops its video, registration and timers. */
  close(): Promise<void>;
}

export interface CameraRegistryEvents extends Record<string, unknown[]> {
  /** A camera was added, changed or removed. */
  changed: [];
}

/** Where an INVITE is going: its Request-URI user, and the registration it came through. */
export interface CallTarget {
  requestUser: string | undefined;
  registrationAor: string | undefined;
}

/** Most cameras one gateway serves: each holds a Router, timers and possibly a registration. */
export const MAX_CAMERAS = 64;

/** The SIP user a definition is reached at (the id unless set). */
export const sipUserOf = (definition: CameraDefinition): string => definition.sipUser ?? definition.id;

/**
 * The gateway's cameras: their definitions (stored), the running camera built for each, and
 * the routing of a call to one. Adding, changing and removing are serialised, so two admins
 * cannot create the same id or SIP user at once.
 */
export class CameraRegistry<C extends RunningCamera> extends TypedEmitter<CameraRegistryEvents> {
  readonly #running = new Map<string, C>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: {
      repository: CameraRepository;
      create(definition: CameraDefinition): Promise<C>;
      now(): number;
      logger: Logger;
    },
  ) {
    super();
  }

  /**
   * Starts every stored camera. The default one is created when there is none at all (a
   * fresh start, or a data directory of the single-camera release); `flagged` (what the
   * command line says about it) updates it when it exists.
   */
  async start(defaultCamera: CameraDefinition, flagged: Partial<CameraDefinition> = {}): Promise<void> {
    const now = this.o.now();
    let definitions = await this.o.repository.list();
    if (definitions.length === 0) {
      await this.o.repository.put(defaultCamera, now);
      definitions = [defaultCamera];
    } else if (Object.keys(flagged).length > 0) {
      definitions = definitions.map((d) => (d.id === defaultCamera.id ? { ...d, ...flagged } : d));
      const updated = definitions.find((d) => d.id === defaultCamera.id);
      if (updated) await this.o.repository.put(updated, now);
    }
    for (const definition of definitions) {
      this.#assertSipUserFree(sipUserOf(definition), definition.id);
      this.#running.set(definition.id, await this.o.create(definition));
    }
  }

  get(id: string): C | undefined {
    return this.#running.get(id);
  }

  list(): C[] {
    return [...this.#running.values()];
  }

  /**
   * The camera a call is for: the one whose provider registration it came through, else the
   * one whose SIP user the Request-URI names (case-insensitive). undefined: answer 404.
   */
  route(target: CallTarget): C | undefined {
    if (target.registrationAor !== undefined) return this.list().find((c) => c.registrationAor === target.registrationAor);
    const user = target.requestUser?.toLowerCase();
    return user === undefined ? undefined : this.list().find((c) => sipUserOf(c.definition).toLowerCase() === user);
  }

  /** Creates a camera; ValidationError names the field (id or sipUser taken, bad value). */
  add(input: unknown): Promise<C> {
    return this.#serial(async () => {
      const definition = parse(CameraDefinitionSchema, input);
      if (this.#running.has(definition.id)) throw new ValidationError('id', `a camera "${definition.id}" exists already`);
      if (this.#running.size >= MAX_CAMERAS) throw new ValidationError('id', `at most ${MAX_CAMERAS} cameras`);
      this.#assertSipUserFree(sipUserOf(definition), definition.id);
      const camera = await this.o.create(definition);
      this.#running.set(definition.id, camera);
      await this.o.repository.put(definition, this.o.now());
      this.o.logger.info({ cameraId: definition.id, sipUser: sipUserOf(definition) }, 'camera added');
      this.safeEmit('changed');
      return camera;
    });
  }

  /**
   * Changes a camera. A new name or SIP user applies at once; new sources or registration
   * restart the camera (its calls end).
   */
  update(id: string, input: unknown): Promise<C> {
    return this.#serial(async () => {
      const current = this.#running.get(id);
      if (!current) throw new InvalidStateError(`no camera "${id}"`);
      const patch: CameraPatch = parse(CameraPatchSchema, input);
      const merged = { ...current.definition } as Record<string, unknown>;
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete merged[key];
        else if (value !== undefined) merged[key] = value;
      }
      const definition = parse(CameraDefinitionSchema, merged);
      this.#assertSipUserFree(sipUserOf(definition), id);
      let camera = current;
      if (sameMedia(current.definition, definition)) current.renamed(definition);
      else {
        await current.close();
        camera = await this.o.create(definition);
        this.#running.set(id, camera);
      }
      await this.o.repository.put(definition, this.o.now());
      this.safeEmit('changed');
      return camera;
    });
  }

  /** Ends the camera's calls and deletes it with everything it kept. False: no such camera. */
  remove(id: string): Promise<boolean> {
    return this.#serial(async () => {
      const camera = this.#running.get(id);
      if (!camera) return false;
      this.#running.delete(id);
      await camera.close();
      await this.o.repository.remove(id);
      this.o.logger.info({ cameraId: id }, 'camera removed');
      this.safeEmit('changed');
      return true;
    });
  }

  /**
   * Follows the stored definitions, which another gateway changed: starts the cameras added
   * there, closes the removed ones, renames or restarts the changed ones. Writes nothing.
   */
  sync(): Promise<void> {
    return this.#serial(async () => {
      const definitions = await this.o.repository.list();
      const stored = new Set(definitions.map((d) => d.id));
      let changed = false;
      for (const [id, camera] of [...this.#running]) {
        if (stored.has(id)) continue;
        this.#running.delete(id);
        await camera.close();
        this.o.logger.info({ cameraId: id }, 'camera removed on another gateway');
        changed = true;
      }
      for (const definition of definitions) {
        const current = this.#running.get(definition.id);
        if (current && JSON.stringify(current.definition) === JSON.stringify(definition)) continue;
        try {
          this.#assertSipUserFree(sipUserOf(definition), definition.id);
          if (current && sameMedia(current.definition, definition)) current.renamed(definition);
          else {
            await current?.close();
            this.#running.delete(definition.id);
            this.#running.set(definition.id, await this.o.create(definition));
          }
          this.o.logger.info({ cameraId: definition.id, sipUser: sipUserOf(definition) }, current ? 'camera changed on another gateway' : 'camera added on another gateway');
        } catch (error) {
          this.o.logger.error({ cameraId: definition.id, err: (error as Error).message }, 'camera of another gateway not started here');
        }
        changed = true;
      }
      if (changed) this.safeEmit('changed');
    });
  }

  /** Closes every running camera (gateway shutdown); the stored definitions stay. */
  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await Promise.all(this.list().map((camera) => camera.close()));
    this.#running.clear();
    this.removeAllListeners();
  }

  #assertSipUserFree(sipUser: string, ownId: string): void {
    const other = this.list().find((c) => c.definition.id !== ownId && sipUserOf(c.definition).toLowerCase() === sipUser.toLowerCase());
    if (other) throw new ValidationError('sipUser', `camera "${other.definition.id}" is reached at "${sipUser}" already`);
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function sameMedia(a: CameraDefinition, b: CameraDefinition): boolean {
  const media = (d: CameraDefinition) => JSON.stringify([d.snapshotUrl, d.videoUrl, d.registration]);
  return media(a) === media(b);
}

function parse<T>(schema: ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ValidationError(issue.path.map(String).join('.') || 'camera', issue.message);
}
