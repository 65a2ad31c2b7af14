// One way to turn validation issues into a message that says what is wrong and where ("body.steps.0.url: …").
import type { z } from 'zod';

export function zodMessage(err: z.ZodError, where: string): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const p = i.path.map(String).join('.');
      const what =
        i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
      const at = [where, p].filter(Boolean).join('.');
      return at ? `${at}: ${what}` : what;
    })
    .join('; ');
}
