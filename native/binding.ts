// native/binding.ts: the private, typed loader of one tree's addon.
// Only native/ imports this; everyone else uses native/index.ts.
//
// Each tree (labs/, solutions/) is compiled with the same frame into its own
// addon under native/trees/<tree>/build/, so both can be loaded in one
// process: a lab check mixes the learner's function with the reference ones.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type Tree = 'labs' | 'solutions';
export const TREES: readonly Tree[] = ['labs', 'solutions'];

export interface RawMessage {
  data: Buffer;
  fds: number[];
}

export interface PollWatcher {
  start(events: number): void;
  stop(): void;
  close(): void;
}

export interface Binding {
  readonly tree: Tree;
  readonly SOCK_STREAM: number;
  readonly SOCK_SEQPACKET: number;
  readonly SOCK_DGRAM: number;
  readonly MAX_FDS: number;
  readonly READABLE: number;
  readonly WRITABLE: number;
  socketpair(type: number): [number, number];
  /** Bytes sent, or -1 when the call would block. */
  sendmsg(sock: number, fds: readonly number[], data: Uint8Array, nonblocking: boolean): number;
  /** A message, null at end of stream, or undefined when the call would block. */
  recvmsg(sock: number, maxBytes: number, maxFds: number, nonblocking: boolean): RawMessage | null | undefined;
  close(fd: number): void;
  /** poll(2): true when ready, false when timeoutMs (-1: forever) ran out. */
  waitSync(fd: number, events: number, timeoutMs: number): boolean;
  peerCredentials(sock: number): { pid: number; uid: number; gid: number };
  setCloexec(fd: number, on: boolean): void;
  openPty(): { master: number; slavePath: string };
  PollWatcher: new (fd: number, onEvent: (status: number, events: number) => void) => PollWatcher;
}

/**
 * Where a tree's addon is built ('Release', or 'Debug' for gdb).
 * FDLAB_ADDON_VARIANT=asan picks the sanitizer build of the same tree
 * (native/trees/<tree>-asan, made by `make asan`).
 */
export function addonPath(
  tree: Tree,
  buildType = process.env.FDLAB_BUILD_TYPE ?? 'Release',
  variant = process.env.FDLAB_ADDON_VARIANT ?? '',
): string {
  const dir = variant === '' ? tree : `${tree}-${variant}`;
  return fileURLToPath(new URL(`./trees/${dir}/build/${buildType}/fdlab_${tree}.node`, import.meta.url));
}

const loaded = new Map<Tree, Binding>();
const require = createRequire(import.meta.url);

export function loadBinding(tree: Tree): Binding {
  let binding = loaded.get(tree);
  if (binding === undefined) {
    const path = addonPath(tree);
    if (!existsSync(path)) {
      throw new Error(`the ${tree} addon is not built (${path} is missing): run \`make build\``);
    }
    binding = require(path) as Binding;
    loaded.set(tree, binding);
  }
  return binding;
}
