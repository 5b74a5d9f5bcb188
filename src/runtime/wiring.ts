/**
 * Builds the real parts of an Engine: the helper client (started on first use), the image
 * service over the store, its overlay snapshotter, and the id mapping of the current user.
 * Kept apart from engine.ts so that opening an Engine stays a cheap import until used.
 */
import { ContainerStateStore } from './container/state-store';
import { HelperClient } from './container/helper-client';
import type { EngineParts } from './engine';
import { EventLog } from './event-log';
import { currentIdMap } from './idmap';
import { ImageService } from './image/image-service';
import type { StorePaths } from './paths';

/** One helper connection per runtime dir, made on first need; a failed start is retried next time. */
function lazyHelper(runtimeDir: string): () => Promise<HelperClient> {
  let client: Promise<HelperClient> | undefined;
  return () => {
    client ??= HelperClient.connect({ runtimeDir }).catch((err: unknown) => {
      client = undefined;
      throw err;
    });
    return client;
  };
}

export async function wireParts(paths: StorePaths, runtimeDir: string): Promise<EngineParts> {
  const helper = lazyHelper(runtimeDir);
  const idMap = currentIdMap();
  const events = new EventLog(paths.events);
  const containers = new ContainerStateStore(paths.containers);
  const images = new ImageService(paths, idMap, helper, {
    emit: (event) => events.append(event),
    containersByImage: async () => {
      const byImage = new Map<string, string[]>();
      for (const c of await containers.loadAll()) {
        const names = byImage.get(c.config.imageId);
        if (names) names.push(c.config.name);
        else byImage.set(c.config.imageId, [c.config.name]);
      }
      return byImage;
    },
  });
  return { paths, runtimeDir, helper, events, images, rootfs: images.snapshots, idMappings: idMap };
}
