/** Does everything a person can use fit the viewport? Walks the page and every shadow root. */
import type { Page } from '@playwright/test';

export interface LayoutReport {
  viewportWidth: number;
  scrollWidth: number;
  /** Visible controls whose box is not within the viewport's width, described for the failure message. */
  outside: string[];
  /** How many visible controls were checked. */
  checked: number;
}

/**
 * Runs in the page. A string, not a function: the e2e TypeScript has no DOM library (it is
 * Node code), and this is the only browser-side code it carries.
 */
const LAYOUT_SCRIPT = `(() => {
  const CONTROLS = 'button, input, select, textarea, meter, audio[controls], a[href]';
  const controls = [];
  const walk = (root) => {
    controls.push(...root.querySelectorAll(CONTROLS));
    for (const element of root.querySelectorAll('*')) if (element.shadowRoot) walk(element.shadowRoot);
  };
  walk(document);
  const width = window.innerWidth;
  const outside = [];
  let checked = 0;
  for (const control of controls) {
    const box = control.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(control).visibility === 'hidden') continue;
    checked += 1;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const name = control.getAttribute('aria-label') || control.id || (control.textContent || '').trim().slice(0, 30);
      outside.push(control.tagName.toLowerCase() + ' "' + name + '" ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return { viewportWidth: width, scrollWidth: document.documentElement.scrollWidth, outside, checked };
})()`;

export function layoutReport(page: Page): Promise<LayoutReport> {
  return page.evaluate<LayoutReport>(LAYOUT_SCRIPT);
}
