import { css } from 'lit';

export const softphoneStyles = css`
  :host {
    display: block;
    max-width: 24rem;
    padding: 1rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.75rem;
    font-family: var(--camgate-font, system-ui, sans-serif);
    color: var(--camgate-text, #1f2328);
    background: var(--camgate-surface, #fff);
  }
  h2 {
    font-size: 1.1rem;
    margin: 0 0 0.5rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin: 0.5rem 0;
  }
  button {
    font: inherit;
    padding: 0.4rem 0.9rem;
    border-radius: 0.4rem;
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
  button.call {
    background: #1a7f37;
    border-color: #1a7f37;
    color: #fff;
  }
  button.hangup {
    background: #cf222e;
    border-color: #cf222e;
    color: #fff;
  }
  .modes button {
    padding: 0.4rem 0.6rem;
  }
  .modes button[aria-pressed='true'] {
    background: var(--camgate-accent, #2563eb);
    border-color: var(--camgate-accent, #2563eb);
    color: #fff;
  }
  .status {
    margin: 0.25rem 0;
  }
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
  meter {
    width: 8rem;
  }
  .captions {
    min-height: 4rem;
    max-height: 10rem;
    overflow-y: auto;
    padding: 0.4rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    border-radius: 0.4rem;
    background: var(--camgate-muted-bg, #f6f8fa);
  }
  .captions p {
    margin: 0.15rem 0;
  }
  .error {
    color: #cf222e;
    font-weight: 600;
  }
  camgate-keypad {
    margin: 0.5rem 0;
  }
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.15rem 0.75rem;
    margin: 0.5rem 0;
  }
  dt {
    color: var(--camgate-muted, #57606a);
  }
  dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
`;
