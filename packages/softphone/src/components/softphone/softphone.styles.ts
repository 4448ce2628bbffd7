import { css } from 'lit';

export const softphoneStyles = css`
  :host {
    max-width: 24rem;
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
  /* Locked out is not a glitch to retry at once: it stands out as a banner. */
  .error[data-end='locked-out'] {
    padding: 0.5rem 0.75rem;
    border: 2px solid #cf222e;
    border-radius: 0.4rem;
    background: #ffebe9;
  }
  .error[data-end='locked-out']::before {
    content: '🔒 ';
  }
  camgate-keypad {
    margin: 0.5rem 0;
  }
`;
