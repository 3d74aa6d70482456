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

/**
 * The forms a secret takes in a JSON log line: as text, and as the bytes of a raw
 * packet (a Buffer serializes as `{"type":"Buffer","data":[…]}`), in hex and in
 * base64 (at each of the three alignments it can have inside a longer buffer).
 */
export function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    // Drop the characters that mix in the padding bytes before and the unknown bytes after.
    const head = Math.ceil((offset * 4) / 3);
    const tail = Math.floor(((offset + bytes.length) * 4) / 3);
    return encoded.slice(head, tail);
  });
  return [secret, [...bytes].join(','), bytes.toString('hex'), ...base64];
}

/** Every line of every dump checked against every secret of every dump, in every form. */
export function findLeaks(dumps: LogDump[]): { lines: number; hits: Leak[] } {
  const secrets = [...new Set(dumps.flatMap((d) => d.secrets))].filter((s) => s.length >= 8);
  const forms = secrets.flatMap(leakForms);
  const hits: Leak[] = [];
  let lines = 0;
  for (const dump of dumps) {
    for (const line of dump.lines) {
      lines++;
      if (forms.some((s) => line.includes(s))) hits.push({ file: dump.file, line });
    }
  }
  return { lines, hits };
}
