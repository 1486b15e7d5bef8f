// Test order for `jest`: the files that time live delivery run first, while the other worker
// takes the quick REST and unit files, not a browser or a Postgres restart; then the rest, the
// slowest first (jest's own order). Timings on 2 shared cores depend on who runs beside them.
const Sequencer = require('@jest/test-sequencer').default;

const TIMED = [/replay-flood\.test\.ts$/];
const QUICK = [/\/test\/unit\//, /\/test\/rest\//, /\/test\/http\//, /\/test\/deploy\/compose/];

const HEAVY = [/bounded-cost\.test\.ts$/]; // 1,000 slow sockets and 40 MB searches

const rank = (path) => {
  if (TIMED.some((r) => r.test(path))) return 0;
  return QUICK.some((r) => r.test(path)) && !HEAVY.some((r) => r.test(path)) ? 1 : 2;
};

class TimedFirst extends Sequencer {
  sort(tests) {
    const byJest = super.sort(tests);
    return byJest
      .map((test, i) => ({ test, i }))
      .sort((a, b) => rank(a.test.path) - rank(b.test.path) || a.i - b.i)
      .map(({ test }) => test);
  }
}

module.exports = TimedFirst;
