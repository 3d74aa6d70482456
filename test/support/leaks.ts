/** What one test process logged, as test/helper.ts writes it on exit. */
export interface LogDump {
  file: string;
  secrets: string[];
  lines: string[];
}

export interface Leak {
  file: string;
  line: string;
}

/** Every line of every dump checked against every secret of every dump. */
export function findLeaks(dumps: LogDump[]): { lines: number; hits: Leak[] } {
  const secrets = [...new Set(dumps.flatMap((d) => d.secrets))].filter((s) => s.length >= 8);
  const hits: Leak[] = [];
  let lines = 0;
  for (const dump of dumps) {
    for (const line of dump.lines) {
      lines++;
      if (secrets.some((s) => line.includes(s))) hits.push({ file: dump.file, line });
    }
  }
  return { lines, hits };
}
