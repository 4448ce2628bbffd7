import { css } from 'lit';

/** Big telephone keys on top of the shared button look. */
export const keypadStyles = css`
  :host {
    display: inline-grid;
    grid-template-columns: repeat(3, 3.5rem);
    gap: 0.5rem;
  }
  button {
    font-size: 1.25rem;
    height: 3rem;
    padding: 0;
    border-radius: 0.5rem;
  }
  button:hover:not(:disabled) {
    background: var(--camgate-key-hover, #e4e7ec);
  }
  button.pressed {
    background: var(--camgate-accent, #2563eb);
    color: #fff;
  }
`;
