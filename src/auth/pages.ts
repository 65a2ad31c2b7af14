// The small HTML pages of sign-in: what went wrong in words a person understands, and a way on (sign in again, or
// whom to ask). No script; nothing from the request is shown unescaped.
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export interface AuthPage {
  status: number;
  title: string;
  /** Paragraphs of plain text. */
  lines: string[];
  /** Links shown under the text: [label, href]. */
  links?: Array<[string, string]>;
}

export function renderPage(p: AuthPage): string {
  const body = p.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n');
  const links = (p.links ?? []).map(([label, href]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)} · Insightflow</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d2433; margin: 0; }
main { max-width: 34rem; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 8px;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.12); }
h1 { font-size: 1.4rem; margin-top: 0; }
a { color: #1a56c4; margin-right: 1.5rem; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(p.title)}</h1>
${body}
<p>${links.join(' ')}</p>
</main>
</body>
</html>
`;
}
