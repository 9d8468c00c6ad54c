// kit/ts-loader.ts: the arguments with which the kit starts Node on a
// TypeScript file.
//
// tsx/esm is tsx's ESM loader alone. All the kit's code is ESM ("type":
// "module" in package.json), so the other half of `--import tsx`, its
// require() hooks, would only cost start-up time: measured on
// `kit/cli.ts hint 1`, 0.18 s a start against 0.33 s on Node 24, 0.52 s
// against 0.58 s on Node 20; every check starts a few such processes, and
// `make test` some three hundred. `node --import tsx FILE`, as the lessons
// write it, runs the same code.
// See: node(1) --import; tsx's documentation, "Node.js enhancement".
export const TS_LOADER: readonly string[] = ['--import', 'tsx/esm'];
