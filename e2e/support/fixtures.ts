/**
 * The tests' `test`: Playwright's, plus a guard that fails any test whose pages broke the
 * Content-Security-Policy (inline code, eval, a foreign connection) or raised a dialog
 * (an `alert()` would mean markup from a caller ran as script).
 */
import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ pageGuard: void }>({
  pageGuard: [
    async ({ page }, use) => {
      const problems: string[] = [];
      // Not every refusal is logged (eval is only thrown); every one fires this event.
      await page.addInitScript({
        content: `document.addEventListener('securitypolicyviolation', (event) => console.error(
          'Content-Security-Policy refused ' + event.violatedDirective + ': ' + event.blockedURI + ' at ' + event.sourceFile + ':' + event.lineNumber));`,
      });
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
      });
      page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
        void dialog.dismiss();
      });
      await use();
      expect(problems, 'CSP violations or dialogs on the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
