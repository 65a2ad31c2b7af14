// Checks of a whole page in the browser tests: axe-core (injected from node_modules) with its serious and critical
// violations, text smaller than 12 px, and horizontal scrolling of the page. The checks run inside the page, so they
// are given as source text (the project's types have no DOM).
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeFigures {
  /** Every violated rule as "impact rule-id". */
  violations: string[];
  /** The serious and critical violations with the nodes they were found on. */
  serious: string[];
}

/** Runs axe-core on the page. */
export async function runAxe(page: Page): Promise<AxeFigures> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.addScriptTag({ path: axePath });
  return page.evaluate(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return {
      violations: r.violations.map((v) => v.impact + ' ' + v.id),
      serious: r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')),
    };
  })()`);
}

/** Visible text rendered below 12 px, as "tag.class: size text". */
export function smallText(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent.trim() || el.closest('.sr-only')) continue;
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
      const size = parseFloat(style.fontSize);
      if (size < 12) out.push(el.tagName.toLowerCase() + '.' + el.className + ': ' + size + 'px ' + n.textContent.trim().slice(0, 30));
    }
    return out;
  })()`);
}

/** How far the page scrolls sideways, in px (0 = not at all). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
