import type { CamerasFile } from '@camgate/protocol';
import { ValidationError } from '../core/errors.ts';
import type { CameraRegistry, RunningCamera } from './camera-registry.ts';
import type { Camera } from './camera.ts';

/**
 * Applies the fleet file at start-up: creates its cameras or brings existing ones to the
 * file's definition, then sets and stores the file's Incoming Calls settings over each
 * camera's current ones. A refused value stops start-up naming the camera and the field.
 */
export async function applyCamerasFile<C extends RunningCamera & { camera: Camera }>(registry: CameraRegistry<C>, file: CamerasFile): Promise<void> {
  for (const { settings, ...definition } of file.cameras) {
    const named = (error: unknown): never => {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError('--cameras', `camera "${definition.id}", field ${error.message}`);
    };
    const existing = registry.get(definition.id);
    const unit = existing
      ? await registry
          .update(definition.id, {
            name: definition.name,
            sipUser: definition.sipUser ?? definition.id,
            snapshotUrl: definition.snapshotUrl ?? null,
            videoUrl: definition.videoUrl ?? null,
            registration: definition.registration ?? null,
          })
          .catch(named)
      : await registry.add(definition).catch(named);
    if (!settings) continue;
    try {
      unit.camera.settings.set({ ...unit.camera.settings.running, ...settings });
      await unit.camera.settings.store();
    } catch (error) {
      named(error);
    }
  }
}
