import { css } from 'lit';

export const keypadStyles = css`
  :host {
    display: inline-grid;
    grid-template-columns: repeat(3, 3.5rem);
    gap: 0.5rem;
  }
  button {
    font: inherit;
    font-size: 1.25rem;
    height: 3rem;
    border-radius: 0.5rem;
    border: 1px solid var(--camgate-border, #8a8f98);
    background: var(--camgate-key-bg, #f4f5f7);
    color: inherit;
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    background: var(--camgate-key-hover, #e4e7ec);
  }
  button:focus-visible {
    outline: 3px solid var(--camgate-focus, #2563eb);
    outline-offset: 1px;
  }
  button.pressed {
    background: var(--camgate-accent, #2563eb);
    color: #fff;
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
`;
