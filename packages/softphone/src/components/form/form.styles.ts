import { css } from 'lit';

/**
 * Form controls shared by the settings dialog, its sub-forms and the camera page (buttons:
 * shared.styles.ts). Responsive by the room a form has, not by the screen: each form (and
 * each component) is a size container, so a label sits beside its control only where both
 * fit — on a phone, in a narrow column or in the small sign-in card they stack.
 */
export const formStyles = css`
  :host {
    font-family: var(--camgate-font, system-ui, sans-serif);
    color: var(--camgate-text, #1f2328);
    container-type: inline-size;
  }
  form {
    container-type: inline-size;
  }
  fieldset {
    min-width: 0;
  }
  fieldset {
    border: 1px solid var(--camgate-border, #d0d7de);
    border-radius: 0.5rem;
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem 0.75rem;
  }
  legend {
    font-weight: 600;
    padding: 0 0.25rem;
  }
  .field {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 0.25rem 0.75rem;
    align-items: start;
    margin: 0.4rem 0;
  }
  @container (min-width: 36rem) {
    .field {
      grid-template-columns: minmax(10rem, 14rem) minmax(0, 1fr);
    }
    .field > label {
      padding-top: 0.3rem;
    }
  }
  .field .control {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    min-width: 0;
  }
  .inline,
  .field .control.inline {
    display: flex;
    flex-direction: row;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  input,
  select,
  textarea {
    font: inherit;
    padding: 0.3rem 0.45rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.35rem;
    background: #fff;
    color: inherit;
    max-width: 100%;
    min-width: 0;
    box-sizing: border-box;
  }
  textarea {
    min-height: 4.5rem;
    font-family: ui-monospace, monospace;
  }
  input[type='number'] {
    width: 7rem;
  }
  [aria-invalid='true'] {
    border-color: #cf222e;
    outline-color: #cf222e;
  }
  input:focus-visible,
  select:focus-visible,
  textarea:focus-visible {
    outline: 3px solid var(--camgate-focus, #2563eb);
    outline-offset: 1px;
  }
  .hint {
    color: var(--camgate-muted, #57606a);
    font-size: 0.875rem;
    margin: 0;
  }
  .field-error,
  .error {
    color: #cf222e;
    font-size: 0.875rem;
    margin: 0;
  }
  .warnings {
    border-left: 4px solid #bf8700;
    background: #fff8c5;
    padding: 0.4rem 0.75rem;
    margin: 0.5rem 0;
  }
  .warnings p {
    margin: 0.2rem 0;
  }
  .notice {
    color: #1a7f37;
    margin: 0.25rem 0;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 0.75rem;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 0.3rem 0.5rem;
    border-bottom: 1px solid var(--camgate-border, #d0d7de);
    vertical-align: middle;
  }
  td {
    overflow-wrap: anywhere;
  }
  /* Action buttons wrap inside their cell rather than push the table wider than the screen. */
  td.actions button {
    margin: 0.1rem 0.25rem 0.1rem 0;
  }
  /*
   * Narrow (a phone): a table.stack shows each row as a small card, every cell on its own line
   * named by its column. Its explicit ARIA roles keep it a table for screen readers.
   */
  @container (max-width: 32rem) {
    table.stack,
    table.stack tbody,
    table.stack tr,
    table.stack td {
      display: block;
    }
    table.stack thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
    table.stack tr {
      padding: 0.35rem 0;
      border-bottom: 1px solid var(--camgate-border, #d0d7de);
    }
    table.stack td {
      border: 0;
      padding: 0.1rem 0;
    }
    table.stack td[data-label]::before {
      content: attr(data-label) ': ';
      color: var(--camgate-muted, #57606a);
    }
  }
`;
