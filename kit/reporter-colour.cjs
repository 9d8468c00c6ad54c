// kit/reporter-colour.cjs: whether the Mocha reporters (the kit's checks and
// the kit's own suite) may colour their output. Mocha asks supports-color,
// which says yes when CI is set even with the output going to a log file,
// and which ignores NO_COLOR: the same rule as kit/terminal.ts applies here
// instead. Colour only on a terminal that is not TERM=dumb, and never when
// NO_COLOR is set to anything but the empty string (no-color.org).
// CommonJS because Mocha loads reporters with require().
//
// See: isatty(3), console_codes(4).
'use strict';

function wantsColour(stream = process.stdout, env = process.env) {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Turns Mocha's colours off where the kit's rule says no; never turns them on. */
function applyColourRule(Base) {
  if (!wantsColour()) Base.useColors = false;
}

module.exports = { wantsColour, applyColourRule };
