/**
 * Typed runtime events. Every process on a store appends its events to
 * `<root>/events.jsonl` (O_APPEND, one JSON object per line) and the container monitors
 * append `container.die` there too, so a view in one process sees changes made by a CLI
 * in another without polling: it watches the file and reads what was appended.
 */
export type ContainerEventType =
  | 'container.create'
  | 'container.start'
  | 'container.die'
  | 'container.stop'
  | 'container.kill'
  | 'container.pause'
  | 'container.unpause'
  | 'container.rename'
  | 'container.destroy'
  | 'container.exec';

export type ImageEventType = 'image.load' | 'image.pull' | 'image.push' | 'image.tag' | 'image.untag' | 'image.delete' | 'image.import' | 'image.save' | 'image.commit' | 'image.build';

export interface RuntimeEvent {
  type: ContainerEventType | ImageEventType;
  /** Container id or image id (sha256:…). */
  id: string;
  /** Container name, image reference — whatever a person would recognise. */
  name?: string;
  exitCode?: number;
  signal?: string;
  /** RFC 3339 with nanoseconds where known. */
  time: string;
  /** pid of the process that appended the event (monitors included). */
  pid?: number;
}

export function isRuntimeEvent(value: unknown): value is RuntimeEvent {
  const v = value as Partial<RuntimeEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.type === 'string' && typeof v.id === 'string' && typeof v.time === 'string';
}

/**
 * Progress of one blob in a pull or a push, reported to the caller (the CLI's progress
 * display, the extension's notification) and not written to the event log: it is
 * per-operation chatter, not a change of state. Statuses follow docker's wording.
 */
export interface TransferProgress {
  operation: 'pull' | 'push';
  digest: string;
  /** `layer` or `config`: what the blob is to the image. */
  kind: 'layer' | 'config';
  status: 'waiting' | 'downloading' | 'retrying' | 'exists' | 'complete' | 'uploading' | 'mounted';
  /** Bytes transferred so far, and the blob's size. */
  current: number;
  total: number;
}
