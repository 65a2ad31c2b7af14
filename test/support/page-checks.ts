// Checks of a whole page in the browser tests: axe-core (injected from node_modules) with its serious and critical
// violations, text smaller than 12 px, horizontal scrolling of the page, and controls without an accessible name.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeFigures {
  violations: number;
  serious: string[];
  passes: number;
}

/** Runs axe-core on the page; `serious` lists the serious and critical violations with their nodes. */
export async function runAxe(page: Page): Promise<AxeFigures> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const axe = (window as any).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    const serious = r.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.impact} ${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
    return { violations: r.violations.length, serious, passes: r.passes.length };
  });
}

/** Elements with visible text rendered below 12 px, as "tag.class: size text". */
export function smallText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
      if (el.closest('.sr-only')) continue;
      const size = parseFloat(style.fontSize);
      if (size < 12)
        out.push(`${el.tagName.toLowerCase()}.${el.className}: ${size}px ${n.textContent.trim().slice(0, 30)}`);
    }
    return out;
  });
}

/** How far the page scrolls sideways, in px (0 = not at all). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
