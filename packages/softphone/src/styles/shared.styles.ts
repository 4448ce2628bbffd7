/** Styles more than one component shares; each component adds only what is its own. */
import { css } from 'lit';

/** Buttons: the focus ring, the disabled look and the primary accent. */
export const buttonStyles = css`
  button {
    font: inherit;
    padding: 0.35rem 0.85rem;
    border-radius: 0.35rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    background: var(--camgate-key-bg, #f4f5f7);
    color: inherit;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--camgate-focus, #2563eb);
    outline-offset: 1px;
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  button.primary {
    background: var(--camgate-accent, #2563eb);
    border-color: var(--camgate-accent, #2563eb);
    color: #fff;
  }
`;

/** A component that stands on the page as a card of its own. */
export const panelStyles = css`
  :host {
    display: block;
    padding: 1rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.75rem;
    font-family: var(--camgate-font, system-ui, sans-serif);
    color: var(--camgate-text, #1f2328);
    background: var(--camgate-surface, #fff);
  }
`;

/** The camera's LED: a dot in the colour of its state (help page "LED Signals"). */
export const ledStyles = css`
  .led {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
  }
  .led::before {
    content: '';
    width: 0.8rem;
    height: 0.8rem;
    border-radius: 50%;
    background: var(--led-color, #8a8f98);
    box-shadow: 0 0 4px var(--led-color, transparent);
  }
  .led[data-led='ringing'] { --led-color: #d4a72c; }
  .led[data-led='pin'] { --led-color: #bf8700; }
  .led[data-led='connected'] { --led-color: #1a7f37; }
  .led[data-led='executing'] { --led-color: #2563eb; }
  .led[data-led='error'] { --led-color: #cf222e; }
`;

/** Label/value pairs in two columns (`<dl>`). */
export const definitionListStyles = css`
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.2rem 0.75rem;
    margin: 0.5rem 0;
  }
  dt {
    color: var(--camgate-muted, #57606a);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
    font-variant-numeric: tabular-nums;
  }
`;
