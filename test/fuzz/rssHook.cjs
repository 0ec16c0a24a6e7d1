// Preloaded into processes a fuzz case runs (node --require): writes the peak resident set size (KB) at exit.
const fs = require('node:fs');
const file = process.env.DAGLENS_FUZZ_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // the case's own result still stands
    }
  });
}
