// native/bonus.ts: the calls only the bonus labs need, beside the public API
// of native/index.ts (whose contract they leave untouched): close-on-exec
// switched on or off (lab 08) and a new pseudo-terminal (lab 10). Like the
// named exports of index.ts, they use the tree FDLAB_TREE names
// (default: solutions), or the one given to openBonus.
//
// See: fcntl(2) (FD_CLOEXEC), pty(7), posix_openpt(3).
import { loadBinding, type Tree } from './binding.ts';
import { defaultTree } from './index.ts';
import { checkFd } from './validate.ts';
import { invalidArgType } from './errors.ts';

export interface Bonus {
  /** Sets or clears FD_CLOEXEC on fd (lab 08's fdlab_set_cloexec). */
  setCloexec(fd: number, on: boolean): void;
  /** A new pty pair: the master fd (close-on-exec, the caller's to close) and the slave's path. */
  openPty(): { master: number; slavePath: string };
}

export function openBonus(tree: Tree): Bonus {
  const binding = loadBinding(tree);
  return {
    setCloexec(fd, on) {
      checkFd('fd', fd);
      if (typeof on !== 'boolean') throw invalidArgType('on', 'of type boolean', on);
      binding.setCloexec(fd, on);
    },
    openPty: () => binding.openPty(),
  };
}

export const { setCloexec, openPty }: Bonus = openBonus(defaultTree);
